// BN254 base field Fq, scalar field Fr and the quadratic extension Fq2, in Montgomery form with
// four 64-bit limbs (R = 2^256), the representation snarkjs's zkey files use for curve points.
// Multiplication is CIOS (coarsely integrated operand scanning) with 128-bit products.
#pragma once
#include <cstdint>
#include <cstring>

namespace zkp {

typedef unsigned __int128 u128;
typedef uint64_t u64;

struct FieldParams {
  u64 p[4];
  u64 np;   // -p^-1 mod 2^64
  u64 one[4];  // R mod p (1 in Montgomery form)
  u64 r2[4];   // R^2 mod p (to enter Montgomery form)
};

// Plain 256-bit helpers (little-endian limbs).
static inline bool geq4(const u64 a[4], const u64 b[4]) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}
static inline u64 sub4(u64 r[4], const u64 a[4], const u64 b[4]) {
  u64 borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 d = (u128)a[i] - b[i] - borrow;
    r[i] = (u64)d;
    borrow = (u64)(d >> 64) & 1;
  }
  return borrow;
}
static inline u64 add4(u64 r[4], const u64 a[4], const u64 b[4]) {
  u64 carry = 0;
  for (int i = 0; i < 4; i++) {
    u128 s = (u128)a[i] + b[i] + carry;
    r[i] = (u64)s;
    carry = (u64)(s >> 64);
  }
  return carry;
}

// Derives np, R mod p and R^2 mod p from p (p odd, p < 2^255).
inline FieldParams makeParams(const u64 p0, const u64 p1, const u64 p2, const u64 p3) {
  FieldParams f;
  f.p[0] = p0; f.p[1] = p1; f.p[2] = p2; f.p[3] = p3;
  u64 inv = 1;  // Newton: inv = p^-1 mod 2^64
  for (int i = 0; i < 6; i++) inv *= 2 - p0 * inv;
  f.np = (u64)0 - inv;
  u64 x[4] = {1, 0, 0, 0};
  for (int i = 0; i < 512; i++) {  // x = 2^i mod p, by doubling
    u64 t[4];
    add4(t, x, x);  // no overflow: x < p < 2^255
    if (geq4(t, f.p)) sub4(x, t, f.p); else memcpy(x, t, 32);
    if (i == 255) memcpy(f.one, x, 32);
  }
  memcpy(f.r2, x, 32);
  return f;
}

extern const FieldParams FQ;
extern const FieldParams FR;

template <const FieldParams& P>
struct Fe {
  u64 v[4];

  static inline Fe zero() { Fe r; memset(r.v, 0, 32); return r; }
  static inline Fe one() { Fe r; memcpy(r.v, P.one, 32); return r; }
  inline bool isZero() const { return (v[0] | v[1] | v[2] | v[3]) == 0; }
  inline bool operator==(const Fe& o) const {
    return v[0] == o.v[0] && v[1] == o.v[1] && v[2] == o.v[2] && v[3] == o.v[3];
  }
  inline bool operator!=(const Fe& o) const { return !(*this == o); }

  static inline Fe add(const Fe& a, const Fe& b) {
    Fe r;
    add4(r.v, a.v, b.v);  // p < 2^254: no carry out
    reduceOnce(r);
    return r;
  }
  static inline Fe sub(const Fe& a, const Fe& b) {
    Fe r;
    const u64 mask = (u64)0 - sub4(r.v, a.v, b.v);
    const u64 pm[4] = {P.p[0] & mask, P.p[1] & mask, P.p[2] & mask, P.p[3] & mask};
    add4(r.v, r.v, pm);
    return r;
  }
  static inline Fe neg(const Fe& a) {
    if (a.isZero()) return a;
    Fe r;
    sub4(r.v, P.p, a.v);
    return r;
  }
  static inline Fe dbl(const Fe& a) { return add(a, a); }

  // CIOS without the extra carry words: valid because the top limb of p is below 2^63 - 1 (both
  // BN254 moduli are < 2^254), so every intermediate fits four limbs plus the carries A and C.
  static inline Fe mul(const Fe& a, const Fe& b) {
    const u64* p = P.p;
    u64 t0, t1, t2, t3;
    u128 x;
    u64 A, C, m;
#define ZKP_ROUND_FIRST(bi)                                             \
  x = (u128)a.v[0] * (bi);                                              \
  t0 = (u64)x; A = (u64)(x >> 64);                                      \
  m = t0 * P.np;                                                        \
  x = (u128)m * p[0] + t0; C = (u64)(x >> 64);                          \
  x = (u128)a.v[1] * (bi) + A; A = (u64)(x >> 64); t1 = (u64)x;         \
  x = (u128)m * p[1] + t1 + C; C = (u64)(x >> 64); t0 = (u64)x;         \
  x = (u128)a.v[2] * (bi) + A; A = (u64)(x >> 64); t2 = (u64)x;         \
  x = (u128)m * p[2] + t2 + C; C = (u64)(x >> 64); t1 = (u64)x;         \
  x = (u128)a.v[3] * (bi) + A; A = (u64)(x >> 64); t3 = (u64)x;         \
  x = (u128)m * p[3] + t3 + C; C = (u64)(x >> 64); t2 = (u64)x;         \
  t3 = C + A;
#define ZKP_ROUND(bi)                                                   \
  x = (u128)a.v[0] * (bi) + t0;                                         \
  t0 = (u64)x; A = (u64)(x >> 64);                                      \
  m = t0 * P.np;                                                        \
  x = (u128)m * p[0] + t0; C = (u64)(x >> 64);                          \
  x = (u128)a.v[1] * (bi) + t1 + A; A = (u64)(x >> 64); t1 = (u64)x;    \
  x = (u128)m * p[1] + t1 + C; C = (u64)(x >> 64); t0 = (u64)x;         \
  x = (u128)a.v[2] * (bi) + t2 + A; A = (u64)(x >> 64); t2 = (u64)x;    \
  x = (u128)m * p[2] + t2 + C; C = (u64)(x >> 64); t1 = (u64)x;         \
  x = (u128)a.v[3] * (bi) + t3 + A; A = (u64)(x >> 64); t3 = (u64)x;    \
  x = (u128)m * p[3] + t3 + C; C = (u64)(x >> 64); t2 = (u64)x;         \
  t3 = C + A;
    ZKP_ROUND_FIRST(b.v[0])
    ZKP_ROUND(b.v[1])
    ZKP_ROUND(b.v[2])
    ZKP_ROUND(b.v[3])
#undef ZKP_ROUND_FIRST
#undef ZKP_ROUND
    Fe r;
    r.v[0] = t0; r.v[1] = t1; r.v[2] = t2; r.v[3] = t3;
    reduceOnce(r);
    return r;
  }
  // r < 2p -> r < p (branch-free).
  static inline void reduceOnce(Fe& r) {
    u64 d[4];
    u128 x = (u128)r.v[0] - P.p[0];
    d[0] = (u64)x;
    x = (u128)r.v[1] - P.p[1] - ((u64)(x >> 64) & 1);
    d[1] = (u64)x;
    x = (u128)r.v[2] - P.p[2] - ((u64)(x >> 64) & 1);
    d[2] = (u64)x;
    x = (u128)r.v[3] - P.p[3] - ((u64)(x >> 64) & 1);
    d[3] = (u64)x;
    const u64 keep = (u64)0 - ((u64)(x >> 64) & 1);  // all ones when r < p
    for (int i = 0; i < 4; i++) r.v[i] = (r.v[i] & keep) | (d[i] & ~keep);
  }
  static inline Fe sqr(const Fe& a) { return mul(a, a); }

  // Montgomery form <-> canonical integer.
  static inline Fe fromInt(const u64 x[4]) {
    Fe a, r2;
    memcpy(a.v, x, 32);
    memcpy(r2.v, P.r2, 32);
    return mul(a, r2);
  }
  inline void toInt(u64 out[4]) const {
    Fe one1 = zero();
    one1.v[0] = 1;
    Fe r = mul(*this, one1);
    memcpy(out, r.v, 32);
  }
  static inline Fe fromU64(u64 x) {
    u64 t[4] = {x, 0, 0, 0};
    return fromInt(t);
  }

  // a^e for an exponent given as a plain 256-bit integer.
  static Fe pow(const Fe& a, const u64 e[4]) {
    Fe r = one();
    for (int i = 255; i >= 0; i--) {
      r = sqr(r);
      if ((e[i >> 6] >> (i & 63)) & 1) r = mul(r, a);
    }
    return r;
  }
  static Fe inv(const Fe& a) {
    u64 e[4];
    const u64 two[4] = {2, 0, 0, 0};
    sub4(e, P.p, two);
    return pow(a, e);
  }
};

typedef Fe<FQ> Fq;
typedef Fe<FR> Fr;

// Fq2 = Fq[u] / (u^2 + 1).
struct Fq2 {
  Fq c0, c1;
  static inline Fq2 zero() { return {Fq::zero(), Fq::zero()}; }
  static inline Fq2 one() { return {Fq::one(), Fq::zero()}; }
  inline bool isZero() const { return c0.isZero() && c1.isZero(); }
  inline bool operator==(const Fq2& o) const { return c0 == o.c0 && c1 == o.c1; }
  static inline Fq2 add(const Fq2& a, const Fq2& b) { return {Fq::add(a.c0, b.c0), Fq::add(a.c1, b.c1)}; }
  static inline Fq2 sub(const Fq2& a, const Fq2& b) { return {Fq::sub(a.c0, b.c0), Fq::sub(a.c1, b.c1)}; }
  static inline Fq2 neg(const Fq2& a) { return {Fq::neg(a.c0), Fq::neg(a.c1)}; }
  static inline Fq2 dbl(const Fq2& a) { return add(a, a); }
  static inline Fq2 mul(const Fq2& a, const Fq2& b) {
    const Fq v0 = Fq::mul(a.c0, b.c0);
    const Fq v1 = Fq::mul(a.c1, b.c1);
    const Fq s = Fq::mul(Fq::add(a.c0, a.c1), Fq::add(b.c0, b.c1));
    return {Fq::sub(v0, v1), Fq::sub(Fq::sub(s, v0), v1)};
  }
  static inline Fq2 sqr(const Fq2& a) {
    // (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u
    const Fq m = Fq::mul(a.c0, a.c1);
    return {Fq::mul(Fq::add(a.c0, a.c1), Fq::sub(a.c0, a.c1)), Fq::add(m, m)};
  }
  static inline Fq2 inv(const Fq2& a) {
    const Fq n = Fq::add(Fq::sqr(a.c0), Fq::sqr(a.c1));
    const Fq ni = Fq::inv(n);
    return {Fq::mul(a.c0, ni), Fq::neg(Fq::mul(a.c1, ni))};
  }
};

}  // namespace zkp
