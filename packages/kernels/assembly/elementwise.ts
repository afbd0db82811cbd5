// Element-wise float32 loops for the host's memory-bound layers (Relu, residual Adds), which
// plain JavaScript runs at several nanoseconds an element: a data-dependent branch per
// element, and scalar loads and stores. Here they are branch-free SIMD over v128 lanes. Each
// lane op is IEEE single precision, which matches JavaScript's computing in double and
// rounding to float32 once (double rounding is harmless for +, −, ×, ÷ of float32 operands),
// so results are bitwise the same as the host's scalar loops.

/** y[i] = x[i] < 0 ? 0 : x[i] (NaN and −0 pass through) for i < n; y may be x. */
export function reluF32(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i * 4;
    // pmax(a, b) is exactly `a < b ? b : a`.
    v128.store(y + o, f32x4.pmax(v128.load(x + o), zero));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i * 4;
    const v = load<f32>(x + o);
    store<f32>(y + o, v < 0 ? 0 : v);
  }
}

/** Operation codes of binaryF32. */
const enum BinaryOp {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
}

/** y[i] = a[i] ∘ b[i] for i < n, ∘ chosen by `op` (a BinaryOp); y may be a or b. */
export function binaryF32(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  const n4 = n & ~3;
  // One loop per op keeps the switch out of the inner loop.
  switch (op) {
    case BinaryOp.Add:
      for (let i = 0; i < n4; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
      }
      for (let i = n4; i < n; i++) {
        const o = <usize>i * 4;
        store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
      }
      break;
    case BinaryOp.Sub:
      for (let i = 0; i < n4; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, f32x4.sub(v128.load(a + o), v128.load(b + o)));
      }
      for (let i = n4; i < n; i++) {
        const o = <usize>i * 4;
        store<f32>(y + o, load<f32>(a + o) - load<f32>(b + o));
      }
      break;
    case BinaryOp.Mul:
      for (let i = 0; i < n4; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
      }
      for (let i = n4; i < n; i++) {
        const o = <usize>i * 4;
        store<f32>(y + o, load<f32>(a + o) * load<f32>(b + o));
      }
      break;
    default:
      for (let i = 0; i < n4; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, f32x4.div(v128.load(a + o), v128.load(b + o)));
      }
      for (let i = n4; i < n; i++) {
        const o = <usize>i * 4;
        store<f32>(y + o, load<f32>(a + o) / load<f32>(b + o));
      }
  }
}
