// zkinfer-prover: a native BN254 Groth16 prover for snarkjs keys.
//
//   zkinfer-prover prove <circuit.zkey> <witness.wtns | -> [--zero-blinding]
//
// Reads a snarkjs .zkey (Groth16) and an iden3 .wtns ("-" reads it from stdin) and prints one
// JSON object {"proof": …, "publicSignals": […]} with exactly the shape snarkjs.groth16.prove
// returns. The computation is snarkjs's: A and B evaluations from the zkey's coefficient
// section, C = A·B, each moved to the coset shifted by a 2n-th root of unity by an inverse NTT,
// a multiplication by the shift's powers and an NTT, then (A·B − C) on the coset as the scalars of
// the H section; Pippenger multi-scalar multiplications for A, B1, B2, C, H. --zero-blinding
// sets r = s = 0 (tests compare such a proof with snarkjs's bit for bit).
//
// Errors print one line "CODE: message" on stderr and exit with status 2 (CODE is ZKEY_INVALID,
// WITNESS_INVALID, ARGUMENT or INTERNAL).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <csignal>
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "curve.hpp"
#include "field.hpp"

namespace zkp {

const FieldParams FQ = makeParams(0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL,
                                  0x30644e72e131a029ULL);
const FieldParams FR = makeParams(0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL,
                                  0x30644e72e131a029ULL);

struct ProverError {
  std::string code, message;
};
[[noreturn]] static void fail(const char* code, const std::string& message) { throw ProverError{code, message}; }

static bool gTiming = false;  // ZKINFER_PROVER_TIMING=1: CPU seconds per stage on stderr

static double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static void stage(const char* name) {
  static double last = cpuSeconds();
  if (!gTiming) return;
  const double now = cpuSeconds();
  fprintf(stderr, "  %-10s %.3f CPU-s\n", name, now - last);
  last = now;
}

static int gThreads = 0;  // 0: ZKINFER_PROVER_THREADS or every core

// Runs fn(begin, end) over [0, n) split into one contiguous range per thread.
static void parallelFor(size_t n, const std::function<void(size_t, size_t)>& fn, size_t minChunk = 1024) {
  size_t t = std::min<size_t>((size_t)gThreads, std::max<size_t>(1, n / minChunk));
  if (t <= 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> ts;
  const size_t per = (n + t - 1) / t;
  for (size_t i = 0; i < t; i++) {
    const size_t b = i * per, e = std::min(n, b + per);
    if (b >= e) break;
    ts.emplace_back(fn, b, e);
  }
  for (auto& th : ts) th.join();
}

// ---------------------------------------------------------------------------------------------
// Files

struct Mapped {
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::vector<uint8_t> owned;  // when read from a pipe
  ~Mapped() {
    if (data && owned.empty()) munmap((void*)data, size);
  }
};

static void mapFile(const char* path, Mapped& m, const char* code, const char* what) {
  if (strcmp(path, "-") == 0) {
    uint8_t buf[1 << 16];
    ssize_t k;
    while ((k = read(0, buf, sizeof buf)) > 0) m.owned.insert(m.owned.end(), buf, buf + k);
    if (k < 0) fail(code, std::string("cannot read the ") + what + " from stdin");
    m.data = m.owned.data();
    m.size = m.owned.size();
    return;
  }
  int fd = open(path, O_RDONLY);
  if (fd < 0) fail(code, std::string("cannot open the ") + what + ": " + path);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    fail(code, std::string("the ") + what + " is not a regular file: " + path);
  }
  m.size = (size_t)st.st_size;
  if (m.size == 0) {
    close(fd);
    fail(code, std::string("the ") + what + " is empty: " + path);
  }
  void* p = mmap(nullptr, m.size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) fail(code, std::string("cannot map the ") + what + ": " + path);
  m.data = (const uint8_t*)p;
}

struct Section {
  size_t offset = 0, size = 0;
  bool present = false;
};

// iden3 binary container: 4-byte magic, u32 version, u32 section count, then (u32 type, u64 size,
// bytes) per section.
static std::vector<Section> readSections(const Mapped& m, const char* magic, const char* code, const char* what) {
  if (m.size < 12 || memcmp(m.data, magic, 4) != 0)
    fail(code, std::string("the ") + what + " does not start with \"" + magic + "\" (not a " + what + " file)");
  uint32_t nSections;
  memcpy(&nSections, m.data + 8, 4);
  std::vector<Section> sections(16);
  size_t pos = 12;
  for (uint32_t i = 0; i < nSections; i++) {
    if (pos + 12 > m.size) fail(code, std::string("the ") + what + " is truncated (section headers)");
    uint32_t type;
    uint64_t size;
    memcpy(&type, m.data + pos, 4);
    memcpy(&size, m.data + pos + 4, 8);
    pos += 12;
    if (size > m.size - pos) fail(code, std::string("the ") + what + " is truncated (section " + std::to_string(type) + ")");
    if (type < sections.size() && !sections[type].present) sections[type] = {pos, (size_t)size, true};
    pos += size;
  }
  return sections;
}

static uint32_t rd32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static bool ltModulus(const uint8_t* p, const FieldParams& f) {
  u64 v[4];
  memcpy(v, p, 32);
  return !geq4(v, f.p);
}

// ---------------------------------------------------------------------------------------------
// Pippenger multi-scalar multiplication: sum_i k_i * P_i, P_i affine (Montgomery, as in the zkey),
// k_i plain 256-bit integers < r. Windows of c bits; each (window, chunk of points) is one task;
// threads take tasks from a shared counter.

// Buckets of one Pippenger window in affine form, filled by batched affine additions: each
// addition P + Q needs the inverse of x_Q - x_P, and a batch of them shares one field inversion
// (Montgomery's trick), about 6 multiplications per addition against 11 for a mixed Jacobian
// addition. A bucket takes part at most once per batch; an addition to a bucket already in the
// batch goes to the bucket's Jacobian twin by a mixed addition instead (many equal scalars, e.g.
// repeated witness values, would otherwise wait batch after batch).
template <class F>
struct BatchBuckets {
  static constexpr size_t BATCH = 1024;
  struct Op {
    uint32_t bucket;
    Affine<F> q;
  };
  std::vector<Affine<F>> pt;
  std::vector<uint8_t> full;
  std::vector<uint32_t> epoch;
  uint32_t cur = 1;
  std::vector<Op> batch;
  std::vector<Jac<F>> twin;
  std::vector<uint8_t> twinUsed;
  std::vector<F> prefix;
  bool any = false;

  explicit BatchBuckets(size_t nb) : pt(nb), full(nb), epoch(nb), twin(nb), twinUsed(nb) {
    batch.reserve(BATCH);
    prefix.resize(BATCH);
  }
  void reset() {
    std::fill(full.begin(), full.end(), 0);
    std::fill(epoch.begin(), epoch.end(), 0);
    std::fill(twinUsed.begin(), twinUsed.end(), 0);
    cur = 1;
    batch.clear();
    any = false;
  }
  inline void add(uint32_t d, const Affine<F>& q) {
    any = true;
    if (!full[d]) {
      pt[d] = q;
      full[d] = 1;
      return;
    }
    if (epoch[d] == cur) {
      if (!twinUsed[d]) {
        twin[d] = Jac<F>::infinity();
        twinUsed[d] = 1;
      }
      jaddMixed(twin[d], q);
      return;
    }
    epoch[d] = cur;
    batch.push_back({d, q});
    if (batch.size() == BATCH) flush();
  }
  void flush() {
    const size_t m = batch.size();
    if (m > 0) {
      // Denominators: x_Q - x_P, or 2 y_P when Q = P (doubling); Q = -P empties the bucket.
      F acc = F::one();
      for (size_t k = 0; k < m; k++) {
        const Affine<F>& p = pt[batch[k].bucket];
        const Affine<F>& q = batch[k].q;
        F den = F::sub(q.x, p.x);
        if (den.isZero()) den = (q.y == p.y) ? F::dbl(p.y) : F::one();
        prefix[k] = acc;
        acc = F::mul(acc, den);
      }
      F inv = F::inv(acc);
      for (size_t k = m; k-- > 0;) {
        Affine<F>& p = pt[batch[k].bucket];
        const Affine<F>& q = batch[k].q;
        F den = F::sub(q.x, p.x);
        F lambda;
        if (den.isZero()) {
          if (!(q.y == p.y)) {  // P + (-P): the bucket becomes empty
            full[batch[k].bucket] = 0;
            continue;
          }
          den = F::dbl(p.y);
          const F invk = F::mul(inv, prefix[k]);
          inv = F::mul(inv, den);
          const F xx = F::sqr(p.x);
          lambda = F::mul(F::add(F::dbl(xx), xx), invk);
        } else {
          const F invk = F::mul(inv, prefix[k]);
          inv = F::mul(inv, den);
          lambda = F::mul(F::sub(q.y, p.y), invk);
        }
        const F x3 = F::sub(F::sub(F::sqr(lambda), p.x), q.x);
        p.y = F::sub(F::mul(lambda, F::sub(p.x, x3)), p.y);
        p.x = x3;
      }
      batch.clear();
    }
    cur++;
  }
  // Sum over buckets of index * bucket.
  Jac<F> finish() {
    if (!any) return Jac<F>::infinity();
    flush();
    Jac<F> run = Jac<F>::infinity(), acc = Jac<F>::infinity();
    for (size_t k = pt.size() - 1; k >= 1; k--) {
      if (full[k]) jaddMixed(run, pt[k]);
      if (twinUsed[k]) run = jadd(run, twin[k]);
      acc = jadd(acc, run);
    }
    return acc;
  }
};

// Window size minimising additions (one per point per window, two per bucket per window; signed
// digits need 2^(c-1) buckets). Capped at 15 bits: digits fit 16 bits and a worker's buckets stay
// near 5 MiB for G2.
static int chooseWindow(size_t n) {
  int best = 2;
  double bestCost = 1e300;
  for (int c = 2; c <= 15; c++) {
    const double cost = std::ceil(255.0 / c) * ((double)n + (double)(1u << c));
    if (cost < bestCost) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

template <class F>
static Jac<F> msm(const uint8_t* bases, const u64* scalars, size_t n) {
  if (n == 0) return Jac<F>::infinity();
  u64 all[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < 4; j++) all[j] |= scalars[4 * i + j];
  int bits = 0;
  for (int i = 255; i >= 0; i--)
    if ((all[i >> 6] >> (i & 63)) & 1) {
      bits = i + 1;
      break;
    }
  if (bits == 0) return Jac<F>::infinity();
  // Signed digits in [-2^(c-1), 2^(c-1)]: a digit of half or more borrows from the next window,
  // and -d uses bucket d with the point negated (half the buckets). The top window never borrows:
  // with nWindows = ceil((bits + 1) / c) its digit is at most 2^(c-1). Digits are computed once per
  // scalar (16 bits each, window-major).
  const int c = std::min(chooseWindow(n), std::max(2, bits + 1));
  const int nWindows = (bits + 1 + c - 1) / c;
  const u64 half = (u64)1 << (c - 1);
  const size_t nChunks = std::max<size_t>(1, std::min<size_t>(n / 4096 + 1, (2 * (size_t)gThreads + nWindows - 1) / nWindows));
  const size_t chunk = (n + nChunks - 1) / nChunks;
  const size_t nTasks = (size_t)nWindows * nChunks;
  std::vector<Jac<F>> results(nTasks, Jac<F>::infinity());
  std::atomic<size_t> next(0);
  const u64 mask = ((u64)1 << c) - 1;
  std::vector<int16_t> digits((size_t)nWindows * n);
  parallelFor(n, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) {
      const u64* s = scalars + 4 * i;
      u64 carry = 0;
      for (int w = 0; w < nWindows; w++) {
        const int bit = w * c, limb = bit >> 6, sh = bit & 63;
        u64 raw = 0;
        if (limb < 4) {
          raw = s[limb] >> sh;
          if (sh + c > 64 && limb < 3) raw |= s[limb + 1] << (64 - sh);
          raw &= mask;
        }
        int64_t d = (int64_t)(raw + carry);
        carry = 0;
        if (w < nWindows - 1 && d >= (int64_t)half) {
          d -= (int64_t)1 << c;
          carry = 1;
        }
        digits[(size_t)w * n + i] = (int16_t)d;
      }
    }
  }, 4096);

  auto worker = [&]() {
    BatchBuckets<F> bk((size_t)half + 1);
    for (;;) {
      const size_t task = next.fetch_add(1);
      if (task >= nTasks) break;
      const int w = (int)(task / nChunks);
      const size_t b = (task % nChunks) * chunk, e = std::min(n, b + chunk);
      if (b >= e) continue;
      const int16_t* dw = digits.data() + (size_t)w * n;
      bk.reset();
      for (size_t i = b; i < e; i++) {
        const int d = dw[i];
        if (d == 0) continue;
        Affine<F> q;
        memcpy(&q, bases + i * sizeof(Affine<F>), sizeof(Affine<F>));
        if (q.isInfinity()) continue;
        if (d < 0) q.y = F::neg(q.y);
        bk.add((uint32_t)(d < 0 ? -d : d), q);
      }
      results[task] = bk.finish();
    }
  };
  std::vector<std::thread> ts;
  const int nt = (int)std::min<size_t>((size_t)gThreads, nTasks);
  for (int t = 1; t < nt; t++) ts.emplace_back(worker);
  worker();
  for (auto& th : ts) th.join();

  Jac<F> r = Jac<F>::infinity();
  for (int w = nWindows - 1; w >= 0; w--) {
    for (int k = 0; k < c; k++) r = jdouble(r);
    for (size_t ch = 0; ch < nChunks; ch++) r = jadd(r, results[(size_t)w * nChunks + ch]);
  }
  return r;
}

// Checks that every affine point of a section lies on the curve (y^2 = x^3 + b) with coordinates
// below q, or is (0, 0); a flipped byte in the key is caught here rather than giving a bad proof.
template <class F>
static bool coordsCanonical(const Affine<F>& q);
template <>
bool coordsCanonical<Fq>(const Affine<Fq>& q) {
  return !geq4(q.x.v, FQ.p) && !geq4(q.y.v, FQ.p);
}
template <>
bool coordsCanonical<Fq2>(const Affine<Fq2>& q) {
  return !geq4(q.x.c0.v, FQ.p) && !geq4(q.x.c1.v, FQ.p) && !geq4(q.y.c0.v, FQ.p) && !geq4(q.y.c1.v, FQ.p);
}

template <class F>
static bool onCurve(const Affine<F>& q, const F& b) {
  if (q.isInfinity()) return true;
  if (!coordsCanonical(q)) return false;
  return F::sqr(q.y) == F::add(F::mul(F::sqr(q.x), q.x), b);
}

template <class F>
static void checkPoints(const uint8_t* bases, size_t n, const F& b, const char* section) {
  std::atomic<size_t> bad(SIZE_MAX);
  parallelFor(n, [&](size_t s, size_t e) {
    for (size_t i = s; i < e; i++) {
      Affine<F> q;
      memcpy(&q, bases + i * sizeof(Affine<F>), sizeof(Affine<F>));
      if (!onCurve(q, b)) {
        size_t cur = bad.load();
        while (i < cur && !bad.compare_exchange_weak(cur, i)) {
        }
        return;
      }
    }
  }, 4096);
  if (bad.load() != SIZE_MAX)
    fail("ZKEY_INVALID", std::string("the zkey's ") + section + " point " + std::to_string(bad.load()) +
                             " is not on the curve (the zkey is corrupt)");
}

// ---------------------------------------------------------------------------------------------
// Number-theoretic transforms over Fr (Montgomery form), radix 2, in place, natural order in and out.

struct Domain {
  int logn;
  size_t n;
  std::vector<Fr> tw, twInv;  // w^j and w^-j, j < n/2
  Fr inc;                     // 2n-th root of unity: the coset shift
  Fr nInv;
};

static Fr rootOfUnity(int k) {
  // As ffjavascript: nqr = smallest element from 2 up that is not a square; w[s] = nqr^t with
  // r - 1 = 2^s * t; w[i] = w[i+1]^2.
  u64 rm1[4] = {FR.p[0] - 1, FR.p[1], FR.p[2], FR.p[3]};
  u64 half[4];
  for (int i = 0; i < 4; i++) half[i] = (rm1[i] >> 1) | (i < 3 ? rm1[i + 1] << 63 : 0);
  Fr nqr = Fr::fromU64(2);
  const Fr minusOne = Fr::neg(Fr::one());
  while (Fr::pow(nqr, half) != minusOne) nqr = Fr::add(nqr, Fr::one());
  u64 t[4];
  memcpy(t, rm1, 32);
  int s = 0;
  while ((t[0] & 1) == 0) {
    for (int i = 0; i < 4; i++) t[i] = (t[i] >> 1) | (i < 3 ? t[i + 1] << 63 : 0);
    s++;
  }
  if (k > s) fail("INTERNAL", "domain too large for the field");
  Fr w = Fr::pow(nqr, t);
  for (int i = s; i > k; i--) w = Fr::sqr(w);
  return w;
}

static void powersInto(std::vector<Fr>& out, const Fr& w, size_t count) {
  out.resize(count);
  parallelFor(count, [&](size_t b, size_t e) {
    u64 be[4] = {b, 0, 0, 0};
    Fr x = Fr::pow(w, be);
    for (size_t i = b; i < e; i++) {
      out[i] = x;
      x = Fr::mul(x, w);
    }
  });
}

static Domain makeDomain(int logn) {
  Domain d;
  d.logn = logn;
  d.n = (size_t)1 << logn;
  const Fr w = rootOfUnity(logn);
  powersInto(d.tw, w, std::max<size_t>(1, d.n / 2));
  powersInto(d.twInv, Fr::inv(w), std::max<size_t>(1, d.n / 2));
  d.inc = rootOfUnity(logn + 1);
  d.nInv = Fr::inv(Fr::fromU64(d.n));
  return d;
}

static void ntt(Fr* a, const Domain& d, bool inverse) {
  const size_t n = d.n;
  if (n == 1) return;
  const int logn = d.logn;
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    for (int b = 0; b < logn; b++) j |= ((i >> b) & 1) << (logn - 1 - b);
    if (i < j) std::swap(a[i], a[j]);
  }
  const std::vector<Fr>& tw = inverse ? d.twInv : d.tw;
  for (int s = 1; s <= logn; s++) {
    const size_t half = (size_t)1 << (s - 1);
    const int step = logn - s;
    parallelFor(n / 2, [&](size_t b0, size_t b1) {
      for (size_t bi = b0; bi < b1; bi++) {
        const size_t j = bi & (half - 1);
        const size_t i = ((bi >> (s - 1)) << s) + j;
        const Fr v = Fr::mul(a[i + half], tw[j << step]);
        const Fr u = a[i];
        a[i] = Fr::add(u, v);
        a[i + half] = Fr::sub(u, v);
      }
    }, 8192);
  }
}

// Evaluations on the domain -> evaluations on the coset inc * <w>.
static void toCoset(std::vector<Fr>& a, const Domain& d) {
  ntt(a.data(), d, true);
  parallelFor(d.n, [&](size_t b, size_t e) {
    u64 be[4] = {b, 0, 0, 0};
    Fr x = Fr::mul(Fr::pow(d.inc, be), d.nInv);
    for (size_t i = b; i < e; i++) {
      a[i] = Fr::mul(a[i], x);
      x = Fr::mul(x, d.inc);
    }
  });
  ntt(a.data(), d, false);
}

// ---------------------------------------------------------------------------------------------
// Output

static std::string decimal(const u64 in[4]) {
  u64 v[4];
  memcpy(v, in, 32);
  std::string s;
  const u64 base = 10000000000000000000ULL;  // 10^19
  for (;;) {
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
      const u128 cur = (rem << 64) | v[i];
      v[i] = (u64)(cur / base);
      rem = cur % base;
    }
    const bool zero = (v[0] | v[1] | v[2] | v[3]) == 0;
    char buf[24];
    if (zero) {
      snprintf(buf, sizeof buf, "%llu", (unsigned long long)rem);
      return std::string(buf) + s;
    }
    snprintf(buf, sizeof buf, "%019llu", (unsigned long long)rem);
    s = std::string(buf) + s;
  }
}

static std::string dec(const Fq& a) {
  u64 x[4];
  a.toInt(x);
  return "\"" + decimal(x) + "\"";
}

static std::string g1Json(const Jac<Fq>& p) {
  Fq x, y;
  if (!toAffine(p, x, y)) return "[\"0\",\"1\",\"0\"]";
  return "[" + dec(x) + "," + dec(y) + ",\"1\"]";
}

static std::string g2Json(const Jac<Fq2>& p) {
  Fq2 x, y;
  if (!toAffine(p, x, y)) return "[[\"0\",\"0\"],[\"1\",\"0\"],[\"0\",\"0\"]]";
  return "[[" + dec(x.c0) + "," + dec(x.c1) + "],[" + dec(y.c0) + "," + dec(y.c1) + "],[\"1\",\"0\"]]";
}

static void randomScalar(u64 out[4]) {
  FILE* f = fopen("/dev/urandom", "rb");
  if (!f) fail("INTERNAL", "cannot open /dev/urandom for the blinding factors");
  for (;;) {
    if (fread(out, 8, 4, f) != 4) {
      fclose(f);
      fail("INTERNAL", "cannot read /dev/urandom");
    }
    out[3] &= (((u64)1) << 62) - 1;  // r < 2^254
    if (!geq4(out, FR.p)) break;
  }
  fclose(f);
}

// ---------------------------------------------------------------------------------------------

static int prove(const char* zkeyPath, const char* wtnsPath, bool zeroBlinding) {
  // Witness.
  Mapped wt;
  mapFile(wtnsPath, wt, "WITNESS_INVALID", "witness");
  const std::vector<Section> ws = readSections(wt, "wtns", "WITNESS_INVALID", "witness");
  if (!ws[1].present || ws[1].size < 4) fail("WITNESS_INVALID", "the witness has no header section");
  const uint32_t wn8 = rd32(wt.data + ws[1].offset);
  if (wn8 != 32 || ws[1].size < 4 + 32 + 4)
    fail("WITNESS_INVALID", "the witness's field is not BN254's scalar field (element size " + std::to_string(wn8) + ")");
  if (memcmp(wt.data + ws[1].offset + 4, FR.p, 32) != 0)
    fail("WITNESS_INVALID", "the witness is over another field than BN254's scalar field (a witness of another curve)");
  const uint32_t nWitness = rd32(wt.data + ws[1].offset + 36);
  if (!ws[2].present || ws[2].size != (size_t)nWitness * 32)
    fail("WITNESS_INVALID", "the witness's values section does not hold " + std::to_string(nWitness) +
                                " values (the witness is truncated or corrupt)");

  stage("wtns");
  // Zkey header.
  Mapped zk;
  mapFile(zkeyPath, zk, "ZKEY_INVALID", "zkey");
  const std::vector<Section> zs = readSections(zk, "zkey", "ZKEY_INVALID", "zkey");
  for (int t = 1; t <= 9; t++)
    if (!zs[t].present) fail("ZKEY_INVALID", "the zkey has no section " + std::to_string(t) + " (truncated or not a Groth16 key)");
  if (zs[1].size < 4 || rd32(zk.data + zs[1].offset) != 1) fail("ZKEY_INVALID", "the zkey is not a Groth16 key");
  const uint8_t* h = zk.data + zs[2].offset;
  if (zs[2].size < 4 || rd32(h) != 32 || zs[2].size < 4 + 32 + 4 + 32)
    fail("ZKEY_INVALID", "the zkey is for another curve (base field element size is not 32 bytes)");
  if (memcmp(h + 4, FQ.p, 32) != 0 || rd32(h + 36) != 32 || memcmp(h + 40, FR.p, 32) != 0)
    fail("ZKEY_INVALID", "the zkey is for another curve than BN254");
  if (zs[2].size != 72 + 12 + 64 * 3 + 128 * 3) fail("ZKEY_INVALID", "the zkey's Groth16 header has the wrong size");
  const uint32_t nVars = rd32(h + 72), nPublic = rd32(h + 76), domainSize = rd32(h + 80);
  if (domainSize == 0 || (domainSize & (domainSize - 1)) != 0 || domainSize > (1u << 28))
    fail("ZKEY_INVALID", "the zkey's domain size " + std::to_string(domainSize) + " is not a power of two");
  if (nVars < nPublic + 1) fail("ZKEY_INVALID", "the zkey has fewer variables than public signals");
  if (nWitness != nVars)
    fail("WITNESS_INVALID", "the witness has " + std::to_string(nWitness) + " values but the circuit has " +
                                std::to_string(nVars) + " (a witness of another circuit)");
  const uint8_t* hp = h + 84;
  Affine<Fq> alpha1, beta1, delta1;
  Affine<Fq2> beta2, delta2;
  memcpy(&alpha1, hp, 64);
  memcpy(&beta1, hp + 64, 64);
  memcpy(&beta2, hp + 128, 128);
  memcpy(&delta1, hp + 128 + 256, 64);
  memcpy(&delta2, hp + 128 + 256 + 64, 128);

  const Fq b1 = Fq::fromU64(3);
  const Fq2 b2 = Fq2::mul({Fq::fromU64(3), Fq::zero()}, Fq2::inv({Fq::fromU64(9), Fq::one()}));
  if (!onCurve(alpha1, b1) || !onCurve(beta1, b1) || !onCurve(delta1, b1) || !onCurve(beta2, b2) || !onCurve(delta2, b2))
    fail("ZKEY_INVALID", "the zkey's verification key points are not on the curve (the zkey is corrupt)");

  const size_t nC = (size_t)nVars - nPublic - 1;
  const struct {
    int type;
    size_t size;
    const char* name;
  } expect[] = {{5, (size_t)nVars * 64, "A"},   {6, (size_t)nVars * 64, "B1"}, {7, (size_t)nVars * 128, "B2"},
                {8, nC * 64, "C"},               {9, (size_t)domainSize * 64, "H"}};
  for (const auto& x : expect)
    if (zs[x.type].size != x.size)
      fail("ZKEY_INVALID", std::string("the zkey's ") + x.name + " section has " + std::to_string(zs[x.type].size) +
                               " bytes, expected " + std::to_string(x.size));

  // Witness values (plain integers < r).
  std::vector<u64> w((size_t)nVars * 4);
  memcpy(w.data(), wt.data + ws[2].offset, (size_t)nVars * 32);
  for (size_t i = 0; i < nVars; i++)
    if (geq4(&w[4 * i], FR.p)) fail("WITNESS_INVALID", "witness value " + std::to_string(i) + " is not below the field modulus");

  // A and B evaluations on the domain from the coefficient section (values c·R^2 in the zkey, so a
  // Montgomery product with the plain witness value gives c·w in Montgomery form).
  const int logn = __builtin_ctz(domainSize);
  std::vector<Fr> ea(domainSize, Fr::zero()), eb(domainSize, Fr::zero());
  {
    const uint8_t* cs = zk.data + zs[4].offset;
    if (zs[4].size < 4) fail("ZKEY_INVALID", "the zkey's coefficient section is truncated");
    const uint32_t nCoef = rd32(cs);
    if (zs[4].size != 4 + (size_t)nCoef * 44) fail("ZKEY_INVALID", "the zkey's coefficient section has the wrong size");
    for (uint32_t i = 0; i < nCoef; i++) {
      const uint8_t* e = cs + 4 + (size_t)i * 44;
      const uint32_t m = rd32(e), c = rd32(e + 4), s = rd32(e + 8);
      if (m > 1 || c >= domainSize || s >= nVars || !ltModulus(e + 12, FR))
        fail("ZKEY_INVALID", "the zkey's coefficient " + std::to_string(i) + " is out of range (the zkey is corrupt)");
      Fr coef, wv;
      memcpy(coef.v, e + 12, 32);
      memcpy(wv.v, &w[4 * (size_t)s], 32);
      std::vector<Fr>& out = m == 0 ? ea : eb;
      out[c] = Fr::add(out[c], Fr::mul(coef, wv));
    }
  }

  stage("abc");
  // Points must lie on the curve.
  const uint8_t* basesA = zk.data + zs[5].offset;
  const uint8_t* basesB1 = zk.data + zs[6].offset;
  const uint8_t* basesB2 = zk.data + zs[7].offset;
  const uint8_t* basesC = zk.data + zs[8].offset;
  const uint8_t* basesH = zk.data + zs[9].offset;
  checkPoints<Fq>(basesA, nVars, b1, "A");
  checkPoints<Fq>(basesB1, nVars, b1, "B1");
  checkPoints<Fq2>(basesB2, nVars, b2, "B2");
  checkPoints<Fq>(basesC, nC, b1, "C");
  checkPoints<Fq>(basesH, domainSize, b1, "H");

  stage("check");
  // H scalars: (A·B − C) on the coset, C = A·B on the domain.
  std::vector<u64> hs((size_t)domainSize * 4);
  {
    const Domain d = makeDomain(logn);
    std::vector<Fr> ec(domainSize);
    parallelFor(domainSize, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) ec[i] = Fr::mul(ea[i], eb[i]);
    });
    toCoset(ea, d);
    toCoset(eb, d);
    toCoset(ec, d);
    parallelFor(domainSize, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; i++) Fr::sub(Fr::mul(ea[i], eb[i]), ec[i]).toInt(&hs[4 * i]);
    });
  }
  std::vector<Fr>().swap(ea);
  std::vector<Fr>().swap(eb);

  stage("h-ntt");
  Jac<Fq> piA = msm<Fq>(basesA, w.data(), nVars);
  stage("msm-A");
  Jac<Fq> pib1 = msm<Fq>(basesB1, w.data(), nVars);
  stage("msm-B1");
  Jac<Fq2> piB = msm<Fq2>(basesB2, w.data(), nVars);
  stage("msm-B2");
  Jac<Fq> piC = msm<Fq>(basesC, w.data() + 4 * ((size_t)nPublic + 1), nC);
  stage("msm-C");
  const Jac<Fq> resH = msm<Fq>(basesH, hs.data(), domainSize);

  stage("msm-H");
  u64 r[4] = {0, 0, 0, 0}, s[4] = {0, 0, 0, 0};
  if (!zeroBlinding) {
    randomScalar(r);
    randomScalar(s);
  }
  const Jac<Fq> d1 = fromAffine(delta1);
  piA = jadd(jadd(piA, fromAffine(alpha1)), jmulScalar(d1, r));
  piB = jadd(jadd(piB, fromAffine(beta2)), jmulScalar(fromAffine(delta2), s));
  pib1 = jadd(jadd(pib1, fromAffine(beta1)), jmulScalar(d1, s));
  piC = jadd(piC, resH);
  piC = jadd(piC, jmulScalar(piA, s));
  piC = jadd(piC, jmulScalar(pib1, r));
  // - r·s·delta1
  Fr rs;
  {
    Fr rm = Fr::fromInt(r), sm = Fr::fromInt(s);
    rs = Fr::mul(rm, sm);
  }
  u64 rsInt[4];
  rs.toInt(rsInt);
  piC = jadd(piC, jneg(jmulScalar(d1, rsInt)));

  std::string out = "{\"proof\":{\"pi_a\":" + g1Json(piA) + ",\"pi_b\":" + g2Json(piB) + ",\"pi_c\":" + g1Json(piC) +
                    ",\"protocol\":\"groth16\",\"curve\":\"bn128\"},\"publicSignals\":[";
  for (uint32_t i = 1; i <= nPublic; i++) {
    if (i > 1) out += ",";
    out += "\"" + decimal(&w[4 * (size_t)i]) + "\"";
  }
  out += "]}\n";
  fwrite(out.data(), 1, out.size(), stdout);
  fflush(stdout);
  return 0;
}

}  // namespace zkp

// The install builds this file twice: for x86-64-v2 (runs on any machine of the kind) and, as
// zkinfer-prover-v3, for x86-64-v3 (BMI2's mulx for the 64x64->128-bit products, AVX2). The v2
// binary runs the v3 one next to it when the CPU has those instructions (checked at run time);
// ZKINFER_PROVER_PORTABLE=1 keeps the v2 code.
static void maybeExecV3(char** argv) {
#if defined(__x86_64__) && !defined(ZKP_V3)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("x86-64-v3") || std::getenv("ZKINFER_PROVER_PORTABLE")) return;
  char self[4096];
  const ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
  if (k <= 0) return;
  self[k] = 0;
  const std::string v3 = std::string(self) + "-v3";
  if (access(v3.c_str(), X_OK) == 0) execv(v3.c_str(), argv);  // returns only on failure
#else
  (void)argv;
#endif
}

// A proof nobody waits for is only load: when the process that started the prover dies (a job
// queue worker killed mid-proof, say), the kernel kills the prover too. Kept across the exec of
// the x86-64-v3 variant. The second getppid() closes the race with a parent that died first.
static void dieWithParent() {
#ifdef __linux__
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(2);
#endif
}

int main(int argc, char** argv) {
  using namespace zkp;
  dieWithParent();
  maybeExecV3(argv);
  std::vector<std::string> pos;
  bool zeroBlinding = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--zero-blinding") == 0) zeroBlinding = true;
    else if (strncmp(argv[i], "--threads=", 10) == 0) gThreads = atoi(argv[i] + 10);
    else pos.push_back(argv[i]);
  }
  if (pos.size() == 1 && pos[0] == "--version") {
#ifdef ZKP_V3
    printf("zkinfer-prover 1 (x86-64-v3)\n");
#else
    printf("zkinfer-prover 1 (x86-64-v2)\n");
#endif
    return 0;
  }
  if (pos.size() != 3 || pos[0] != "prove") {
    fprintf(stderr, "ARGUMENT: usage: zkinfer-prover prove <circuit.zkey> <witness.wtns|-> [--zero-blinding] [--threads=N]\n");
    return 2;
  }
  gTiming = std::getenv("ZKINFER_PROVER_TIMING") != nullptr;
  stage("start");
  if (gThreads < 1) {
    const char* t = std::getenv("ZKINFER_PROVER_THREADS");
    gThreads = t ? atoi(t) : (int)std::thread::hardware_concurrency();
    if (gThreads < 1) gThreads = 1;
  }
  try {
    return prove(pos[1].c_str(), pos[2].c_str(), zeroBlinding);
  } catch (const ProverError& e) {
    fprintf(stderr, "%s: %s\n", e.code.c_str(), e.message.c_str());
    return 2;
  } catch (const std::bad_alloc&) {
    fprintf(stderr, "INTERNAL: out of memory\n");
    return 2;
  } catch (const std::exception& e) {
    fprintf(stderr, "INTERNAL: %s\n", e.what());
    return 2;
  }
}
