// Short Weierstrass curves y^2 = x^3 + b with a = 0 over F (Fq for G1, Fq2 for G2), in Jacobian
// coordinates (x = X/Z^2, y = Y/Z^3; Z = 0 is the point at infinity). Affine points as stored in a
// zkey use (0, 0) for infinity. Formulas: dbl-2009-l, madd-2007-bl, add-2007-bl (the
// Explicit-Formulas Database), with the equal-point and opposite-point cases handled.
#pragma once
#include "field.hpp"

namespace zkp {

template <class F>
struct Affine {
  F x, y;
  inline bool isInfinity() const { return x.isZero() && y.isZero(); }
};

template <class F>
struct Jac {
  F x, y, z;
  static inline Jac infinity() { return {F::one(), F::one(), F::zero()}; }
  inline bool isInfinity() const { return z.isZero(); }
};

template <class F>
static inline Jac<F> jdouble(const Jac<F>& p) {
  if (p.isInfinity()) return p;
  const F a = F::sqr(p.x);
  const F b = F::sqr(p.y);
  const F c = F::sqr(b);
  F d = F::sub(F::sub(F::sqr(F::add(p.x, b)), a), c);
  d = F::dbl(d);
  const F e = F::add(F::dbl(a), a);
  const F f = F::sqr(e);
  Jac<F> r;
  r.x = F::sub(f, F::dbl(d));
  F c8 = F::dbl(F::dbl(F::dbl(c)));
  r.y = F::sub(F::mul(e, F::sub(d, r.x)), c8);
  r.z = F::dbl(F::mul(p.y, p.z));
  return r;
}

// p += q with q affine (not infinity: callers skip those).
template <class F>
static inline void jaddMixed(Jac<F>& p, const Affine<F>& q) {
  if (p.isInfinity()) {
    p.x = q.x;
    p.y = q.y;
    p.z = F::one();
    return;
  }
  const F z1z1 = F::sqr(p.z);
  const F u2 = F::mul(q.x, z1z1);
  const F s2 = F::mul(q.y, F::mul(p.z, z1z1));
  const F h = F::sub(u2, p.x);
  const F rr = F::dbl(F::sub(s2, p.y));
  if (h.isZero()) {
    if (rr.isZero()) {
      p = jdouble(p);
    } else {
      p = Jac<F>::infinity();
    }
    return;
  }
  const F hh = F::sqr(h);
  const F i = F::dbl(F::dbl(hh));
  const F j = F::mul(h, i);
  const F v = F::mul(p.x, i);
  F x3 = F::sub(F::sub(F::sqr(rr), j), F::dbl(v));
  F y3 = F::sub(F::mul(rr, F::sub(v, x3)), F::dbl(F::mul(p.y, j)));
  F z3 = F::sub(F::sub(F::sqr(F::add(p.z, h)), z1z1), hh);
  p.x = x3;
  p.y = y3;
  p.z = z3;
}

template <class F>
static inline Jac<F> jadd(const Jac<F>& p, const Jac<F>& q) {
  if (p.isInfinity()) return q;
  if (q.isInfinity()) return p;
  const F z1z1 = F::sqr(p.z);
  const F z2z2 = F::sqr(q.z);
  const F u1 = F::mul(p.x, z2z2);
  const F u2 = F::mul(q.x, z1z1);
  const F s1 = F::mul(p.y, F::mul(q.z, z2z2));
  const F s2 = F::mul(q.y, F::mul(p.z, z1z1));
  const F h = F::sub(u2, u1);
  const F rr = F::dbl(F::sub(s2, s1));
  if (h.isZero()) {
    if (rr.isZero()) return jdouble(p);
    return Jac<F>::infinity();
  }
  const F i = F::sqr(F::dbl(h));
  const F j = F::mul(h, i);
  const F v = F::mul(u1, i);
  Jac<F> r;
  r.x = F::sub(F::sub(F::sqr(rr), j), F::dbl(v));
  r.y = F::sub(F::mul(rr, F::sub(v, r.x)), F::dbl(F::mul(s1, j)));
  r.z = F::mul(F::sub(F::sub(F::sqr(F::add(p.z, q.z)), z1z1), z2z2), h);
  return r;
}

template <class F>
static inline Jac<F> jneg(const Jac<F>& p) {
  return {p.x, F::neg(p.y), p.z};
}

template <class F>
static inline Jac<F> fromAffine(const Affine<F>& a) {
  if (a.isInfinity()) return Jac<F>::infinity();
  return {a.x, a.y, F::one()};
}

// Affine coordinates; infinity returns false.
template <class F>
static inline bool toAffine(const Jac<F>& p, F& x, F& y) {
  if (p.isInfinity()) return false;
  const F zi = F::inv(p.z);
  const F zi2 = F::sqr(zi);
  x = F::mul(p.x, zi2);
  y = F::mul(p.y, F::mul(zi2, zi));
  return true;
}

// k * p for a plain 256-bit integer k (blinding terms; not constant time).
template <class F>
static Jac<F> jmulScalar(const Jac<F>& p, const u64 k[4]) {
  Jac<F> r = Jac<F>::infinity();
  for (int i = 255; i >= 0; i--) {
    r = jdouble(r);
    if ((k[i >> 6] >> (i & 63)) & 1) r = jadd(r, p);
  }
  return r;
}

}  // namespace zkp
