// The body of im2col (gemm.ts), by row groups so that threads can share one image
// (parallel.ts): row group u = c·kh + ky holds the kw rows (c, ky, 0..kw) of the column matrix.

/**
 * Writes row groups [u0, u1) of the column matrix of the image at x (see im2col in gemm.ts);
 * dst is the start of the whole matrix.
 */
export function im2colRows(
  x: usize,
  height: i32,
  width: i32,
  kh: i32,
  kw: i32,
  strideH: i32,
  strideW: i32,
  padTop: i32,
  padLeft: i32,
  dilationH: i32,
  dilationW: i32,
  outH: i32,
  outW: i32,
  dst: usize,
  u0: i32,
  u1: i32,
): void {
  const rowBytes = <usize>outW * 4;
  dst += <usize>u0 * <usize>kw * <usize>outH * rowBytes;
  for (let u = u0; u < u1; u++) {
    const c = u / kh;
    const ky = u - c * kh;
    const plane = x + <usize>c * <usize>height * <usize>width * 4;
    for (let kx = 0; kx < kw; kx++) {
      const ix0 = kx * dilationW - padLeft;
      // Output columns whose input column ox·strideW + ix0 lies inside [0, width).
      const lo = min(outW, ix0 >= 0 ? 0 : (-ix0 + strideW - 1) / strideW);
      const hi = max(lo, min(outW, width - ix0 > 0 ? (width - ix0 + strideW - 1) / strideW : 0));
      if (strideH == 1 && strideW == 1 && outW == width) {
        // Output rows as long as input rows, read from consecutive input rows ("same"
        // padding, most 3×3 layers): the valid rows are one contiguous copy, after which the
        // few columns that fell into padding are zeroed. Small planes would otherwise spend
        // their time in per-row calls.
        shiftedPlane(plane + <usize>ix0 * 4, height, ky * dilationH - padTop, outH, outW, lo, hi, dst);
        dst += <usize>outH * rowBytes;
        continue;
      }
      for (let oy = 0; oy < outH; oy++) {
        const iy = oy * strideH - padTop + ky * dilationH;
        if (iy < 0 || iy >= height) {
          memory.fill(dst, 0, rowBytes);
        } else {
          const src = plane + <usize>(iy * width + ix0) * 4;
          if (lo > 0) memory.fill(dst, 0, <usize>lo * 4);
          if (strideW == 1) {
            memory.copy(dst + <usize>lo * 4, src + <usize>lo * 4, <usize>(hi - lo) * 4);
          } else {
            for (let ox = lo; ox < hi; ox++) {
              store<f32>(dst + <usize>ox * 4, load<f32>(src + <usize>(ox * strideW) * 4));
            }
          }
          if (hi < outW) memory.fill(dst + <usize>hi * 4, 0, <usize>(outW - hi) * 4);
        }
        dst += rowBytes;
      }
    }
  }
}

/**
 * dst[oy][ox] = src[oy + dy][ox] for lo <= ox < hi and 0 <= oy + dy < height, else 0, over
 * outH rows of `width` floats, where src rows are `width` floats apart too.
 */
function shiftedPlane(src: usize, height: i32, dy: i32, outH: i32, width: i32, lo: i32, hi: i32, dst: usize): void {
  const rowBytes = <usize>width * 4;
  const oyA = min(outH, max(0, -dy));
  const oyB = max(oyA, min(outH, height - dy));
  if (oyA > 0) memory.fill(dst, 0, <usize>oyA * rowBytes);
  if (oyB < outH) memory.fill(dst + <usize>oyB * rowBytes, 0, <usize>(outH - oyB) * rowBytes);
  if (oyB == oyA) return;
  const first = dst + <usize>oyA * rowBytes;
  if (hi > lo) {
    const from = src + (<usize>(oyA + dy) * <usize>width + <usize>lo) * 4;
    memory.copy(first + <usize>lo * 4, from, (<usize>(oyB - oyA - 1) * <usize>width + <usize>(hi - lo)) * 4);
  }
  // Zero the columns outside [lo, hi) (the copy above filled them with neighbouring pixels).
  const tail = width - hi;
  for (let oy = oyA; oy < oyB; oy++) {
    const row = dst + <usize>oy * rowBytes;
    if (hi <= lo) {
      memory.fill(row, 0, rowBytes);
      continue;
    }
    for (let j = 0; j < lo; j++) store<f32>(row + <usize>j * 4, 0);
    for (let j = 0; j < tail; j++) store<f32>(row + <usize>(hi + j) * 4, 0);
  }
}
