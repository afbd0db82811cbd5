// 2-D max pooling over float32 planes, branch-free on SIMD lanes: per output row, a vertical
// pass takes the maximum over the window's rows for every input column (contiguous v128
// lanes), then a horizontal pass takes the maximum over the window's columns for four outputs
// at a time. The comparison is `a < b ? b : a` (f32x4.pmax) throughout, as in the host's
// scalar `if (v > m) m = v` starting from −∞: NaN never wins and an all-padding window gives
// −∞. Only which zero wins a tie between −0 and +0 can differ from window order.

/**
 * y[p][oy][ox] = max of x[p][oy·sh − padTop + ky·dh][ox·sw − padLeft + kx·dw] over the taps
 * inside the height×width plane, for p < planes. `row` is scratch for `width` floats.
 */
export function maxPool2dF32(
  x: usize,
  planes: i32,
  height: i32,
  width: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  padTop: i32,
  padLeft: i32,
  outH: i32,
  outW: i32,
  y: usize,
  row: usize,
): void {
  const negInf = f32x4.splat(-Infinity);
  const width4 = width & ~3;
  // Outputs whose whole window lies inside the row horizontally: [oxA, oxB).
  let oxA = 0;
  while (oxA < outW && oxA * sw - padLeft < 0) oxA++;
  let oxB = outW;
  while (oxB > oxA && (oxB - 1) * sw - padLeft + (kw - 1) * dw >= width) oxB--;
  const planeBytes = <usize>height * <usize>width * 4;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>p * planeBytes;
    for (let oy = 0; oy < outH; oy++) {
      // Vertical pass: row[ix] = max over the window's in-bounds rows.
      for (let i = 0; i < width4; i += 4) v128.store(row + <usize>i * 4, negInf);
      for (let i = width4; i < width; i++) store<f32>(row + <usize>i * 4, -Infinity);
      const iy0 = oy * sh - padTop;
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky * dh;
        if (iy < 0 || iy >= height) continue;
        const src = plane + <usize>iy * <usize>width * 4;
        for (let i = 0; i < width4; i += 4) {
          const o = <usize>i * 4;
          v128.store(row + o, f32x4.pmax(v128.load(row + o), v128.load(src + o)));
        }
        for (let i = width4; i < width; i++) {
          const o = <usize>i * 4;
          const v = load<f32>(src + o);
          if (v > load<f32>(row + o)) store<f32>(row + o, v);
        }
      }
      // Horizontal pass: edges (windows hanging over the padding) one by one, the interior
      // four outputs at a time.
      const out = y + <usize>oy * <usize>outW * 4;
      for (let ox = 0; ox < oxA; ox++) store<f32>(out + <usize>ox * 4, edgeMax(row, width, ox * sw - padLeft, kw, dw));
      let ox = oxA;
      for (; ox + 4 <= oxB; ox += 4) {
        let m = negInf;
        const base = row + <usize>(ox * sw - padLeft) * 4;
        const step = <usize>sw * 4;
        for (let kx = 0; kx < kw; kx++) {
          const at = base + <usize>(kx * dw) * 4;
          let v = v128.load32_splat(at);
          v = v128.load32_lane(at + step, v, 1);
          v = v128.load32_lane(at + 2 * step, v, 2);
          v = v128.load32_lane(at + 3 * step, v, 3);
          m = f32x4.pmax(m, v);
        }
        v128.store(out + <usize>ox * 4, m);
      }
      for (; ox < outW; ox++) store<f32>(out + <usize>ox * 4, edgeMax(row, width, ox * sw - padLeft, kw, dw));
    }
    y += <usize>outH * <usize>outW * 4;
  }
}

/** Maximum of row[ix0 + kx·dw] over kx < kw with the index inside [0, width), else −∞. */
function edgeMax(row: usize, width: i32, ix0: i32, kw: i32, dw: i32): f32 {
  let m: f32 = -Infinity;
  for (let kx = 0; kx < kw; kx++) {
    const ix = ix0 + kx * dw;
    if (ix < 0 || ix >= width) continue;
    const v = load<f32>(row + <usize>ix * 4);
    if (v > m) m = v;
  }
  return m;
}
