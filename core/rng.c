/*
 * Seeded random streams: xoshiro256** seeded through splitmix64, streams
 * placed 2^128 draws apart by jump polynomials, and the draws from common
 * distributions the simulator needs. Nothing here allocates or keeps global
 * state, so generators may be used from many threads (one per thread).
 */
#include "core/rng.h"

#include <math.h>

/* ---------------------------------------------------------------- core */

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* The xoshiro256** step exactly as in the reference xoshiro256starstar.c. */
uint64_t hd_rng_u64(struct hd_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/*
 * hd_rng_jump_poly[i] is x^(2^(128+i)) mod p(x), p the characteristic
 * polynomial of xoshiro256's linear engine; bit k (word k/64, bit k%64) is
 * the coefficient of x^k. Applying entry i advances the state by 2^(128+i)
 * draws. Entry 0 is the reference JUMP constant and squaring entry 63 once
 * more gives the reference LONG_JUMP (2^192); docs/statistics.md says how
 * the table was derived and test_rng.c recomputes every entry. Because all
 * jumps are powers of one linear map they commute, so stream k is reached
 * with one jump per set bit of k instead of k jumps of 2^128.
 */
static const uint64_t hd_rng_jump_poly[64][4] = {
    {UINT64_C(0x180ec6d33cfd0aba), UINT64_C(0xd5a61266f0c9392c), UINT64_C(0xa9582618e03fc9aa),
     UINT64_C(0x39abdc4529b1661c)}, /* 2^128 */
    {UINT64_C(0x8cfe9bd9ab71d992), UINT64_C(0xccfc8ca2814de79e), UINT64_C(0xa5a28cccb37dba5b),
     UINT64_C(0xa23e49ee6f1a7a8d)}, /* 2^129 */
    {UINT64_C(0x1b2a94a672a48c05), UINT64_C(0x5e38f4fbb6fcda72), UINT64_C(0xca8a45310219dc67),
     UINT64_C(0xd4e9921bccb8090b)}, /* 2^130 */
    {UINT64_C(0xf30974a2b1dbbb71), UINT64_C(0x34cd4cc8228d74ac), UINT64_C(0xfa0587a90f717438),
     UINT64_C(0xee658f69deb5df26)}, /* 2^131 */
    {UINT64_C(0xb42bd4670583b289), UINT64_C(0xd2c0d8e0c8a2fb9b), UINT64_C(0x2573e3218d8bb7da),
     UINT64_C(0xd7aaaf48aa459c58)}, /* 2^132 */
    {UINT64_C(0xf6a5ab84efb67883), UINT64_C(0xcc7efdcfed1ac303), UINT64_C(0xd82be75b83dbc2d0),
     UINT64_C(0x8fd437c01abeab24)}, /* 2^133 */
    {UINT64_C(0xc85ee5171484f5a4), UINT64_C(0xedc8b8d02a22310b), UINT64_C(0xb0b87a330b854c8a),
     UINT64_C(0x7d16742eceb4d5ab)}, /* 2^134 */
    {UINT64_C(0x4298ba0e862a6007), UINT64_C(0x4157dc48443e3565), UINT64_C(0x13c97c0891cab48a),
     UINT64_C(0x6533981804b420ea)}, /* 2^135 */
    {UINT64_C(0xee5f5a6f02dfe47c), UINT64_C(0xedc28c89cb341660), UINT64_C(0x613b2ed9f0acc107),
     UINT64_C(0xa1ee335d14807ae0)}, /* 2^136 */
    {UINT64_C(0x5ec3050c6b43565a), UINT64_C(0x4b26f71c1fb1b47b), UINT64_C(0x0531513e8e0ac706),
     UINT64_C(0x799d469b2145a8a3)}, /* 2^137 */
    {UINT64_C(0x34f0a6799020283e), UINT64_C(0x7123f2290a1f413b), UINT64_C(0xb6acd7be4906b73d),
     UINT64_C(0x6007bb31ec5a2964)}, /* 2^138 */
    {UINT64_C(0xaa0711c54877febd), UINT64_C(0x54fe6df4cff0db73), UINT64_C(0x7e42d6f544840499),
     UINT64_C(0xec907801890a47ab)}, /* 2^139 */
    {UINT64_C(0x03833e601d82a673), UINT64_C(0x3ec263f5c999196e), UINT64_C(0xd8c4367e574ab160),
     UINT64_C(0x964e9d188c16508e)}, /* 2^140 */
    {UINT64_C(0xd64f3f2aaf8f2171), UINT64_C(0xf524fd4408357a5c), UINT64_C(0x15ac212f3b861b5a),
     UINT64_C(0x24d9ba21277dd8d8)}, /* 2^141 */
    {UINT64_C(0xfe9b778d7d1ca2de), UINT64_C(0xbbe0e2c0c44b2e1c), UINT64_C(0x17a7af3e97d8c402),
     UINT64_C(0xf89354cfe1e6b5fb)}, /* 2^142 */
    {UINT64_C(0x695cf225704e767d), UINT64_C(0xf4873d277cd1ab72), UINT64_C(0xaad8c318bc459cce),
     UINT64_C(0xb89526857566cd94)}, /* 2^143 */
    {UINT64_C(0x3dcd32f39276a95f), UINT64_C(0xc51212c8b1aa2787), UINT64_C(0x962c90a866ea6719),
     UINT64_C(0xb81875d0f4f6f253)}, /* 2^144 */
    {UINT64_C(0xb43cf8e4eaf8e068), UINT64_C(0x1c554e97b2277f47), UINT64_C(0xa5a140826c351d07),
     UINT64_C(0x11495a1b200d4eb8)}, /* 2^145 */
    {UINT64_C(0x417b73b324735d32), UINT64_C(0xff957b6f55288048), UINT64_C(0x05af69bf1fb82891),
     UINT64_C(0x3e53bfa0db28e110)}, /* 2^146 */
    {UINT64_C(0xb6c7a6004612889c), UINT64_C(0xfdb3f4ea18f0a56b), UINT64_C(0xd3da65e82bdd39e2),
     UINT64_C(0x48f6214560239b46)}, /* 2^147 */
    {UINT64_C(0xf1267ba0ec3c645e), UINT64_C(0xd9dc0929a54fea75), UINT64_C(0xec60b640d685171d),
     UINT64_C(0xde364ef64a484f59)}, /* 2^148 */
    {UINT64_C(0x2761cbab38e0f580), UINT64_C(0xd7f1c5ade3de404a), UINT64_C(0xcb6286958a9af01a),
     UINT64_C(0x2b29c7d3ef18d3b3)}, /* 2^149 */
    {UINT64_C(0x5a5ce93f67a3cdd6), UINT64_C(0x547db3576511edc2), UINT64_C(0x99455c744595c01f),
     UINT64_C(0x6a3b6a431109e3d1)}, /* 2^150 */
    {UINT64_C(0xafd80c1c832a739e), UINT64_C(0x0d9d73da9f40f374), UINT64_C(0xed1d0a619aa60748),
     UINT64_C(0x00d2333b0c03f620)}, /* 2^151 */
    {UINT64_C(0x11428ceb13f2cc2c), UINT64_C(0xef46e42368baead3), UINT64_C(0x2a47bd3fc39081da),
     UINT64_C(0x3f03458e0273439b)}, /* 2^152 */
    {UINT64_C(0x47558e815c898e8b), UINT64_C(0x9f8160e9d0124398), UINT64_C(0x0fdcfd4ab0f5afee),
     UINT64_C(0xade2626c292a2a9f)}, /* 2^153 */
    {UINT64_C(0xe848ff06d72a9252), UINT64_C(0xf8be2d3d6ce206b0), UINT64_C(0xd84fc5f798c1a55e),
     UINT64_C(0xc35abe5cebab1ba4)}, /* 2^154 */
    {UINT64_C(0xb0dd0edb19af078c), UINT64_C(0xee1d857a675ca074), UINT64_C(0x60ef7116e6f3c1e0),
     UINT64_C(0x7c25b2c3282fb730)}, /* 2^155 */
    {UINT64_C(0xb51a19064886308a), UINT64_C(0x6b590805d407e77e), UINT64_C(0x57059d3707ee283a),
     UINT64_C(0x6298f48fa13cc12f)}, /* 2^156 */
    {UINT64_C(0x4f1102acb29c3230), UINT64_C(0xcf69cee6182fa164), UINT64_C(0x1780be415c86b5d5),
     UINT64_C(0xab5d0760d1fe77dc)}, /* 2^157 */
    {UINT64_C(0xc639b7c24b26ef11), UINT64_C(0xa57d650a8007d505), UINT64_C(0xd81275131f4f91f8),
     UINT64_C(0x10000e5f7bf7a58b)}, /* 2^158 */
    {UINT64_C(0x295b23eaa04478ed), UINT64_C(0xf1d3279f36823213), UINT64_C(0x743eedc2ede6d478),
     UINT64_C(0x09d89163f581d1e0)}, /* 2^159 */
    {UINT64_C(0xc04b4f9c5d26c200), UINT64_C(0x69e6e6e431a2d40b), UINT64_C(0x4823b45b89dc689c),
     UINT64_C(0xf567382197055bf0)}, /* 2^160 */
    {UINT64_C(0x09f16c9da06c8a66), UINT64_C(0xf32c270b20ce5f38), UINT64_C(0xbe61763d20685d37),
     UINT64_C(0xda01b157a2b021e9)}, /* 2^161 */
    {UINT64_C(0xc6d70a8c6aec7778), UINT64_C(0xaccd356978aafc8e), UINT64_C(0xa1fbf40a9936c15d),
     UINT64_C(0x9d7c0c2cf565896c)}, /* 2^162 */
    {UINT64_C(0x90c526d9d0b6773f), UINT64_C(0x327a229ce1248578), UINT64_C(0xfbdcc8828b2c1889),
     UINT64_C(0x592056e6bbf026f6)}, /* 2^163 */
    {UINT64_C(0xa14aaaccc2890705), UINT64_C(0xe63e390ab5f8a1a5), UINT64_C(0x0fbd392d992b9686),
     UINT64_C(0x746ea463d01f96a4)}, /* 2^164 */
    {UINT64_C(0xd8cd74de1850f135), UINT64_C(0x441424d88baa1859), UINT64_C(0xb4bb676b08602d23),
     UINT64_C(0x4d1dc582c66946be)}, /* 2^165 */
    {UINT64_C(0x2adbc6211da0644c), UINT64_C(0x994b90f8d7149b3d), UINT64_C(0x4b145a211d1fdfdf),
     UINT64_C(0x621c1b93e8fa1183)}, /* 2^166 */
    {UINT64_C(0x2fd0c3d604d53cdf), UINT64_C(0x340889c14a3c5736), UINT64_C(0x7bd5128045929790),
     UINT64_C(0xfaf3fe8684e4e611)}, /* 2^167 */
    {UINT64_C(0x01e53e1bc659d517), UINT64_C(0x5f15699d4848bfcc), UINT64_C(0x6d8bf975dcc01074),
     UINT64_C(0x4a55ccb047f7ed1f)}, /* 2^168 */
    {UINT64_C(0x71ce8d56b9692c38), UINT64_C(0x629372507db35e61), UINT64_C(0xefcb70ac050d5190),
     UINT64_C(0x929a14fdb0efb0b5)}, /* 2^169 */
    {UINT64_C(0x27d627035f8c74a5), UINT64_C(0xe890fcbab799d186), UINT64_C(0xde5841dcae8e37bb),
     UINT64_C(0xcf9e9a1026630265)}, /* 2^170 */
    {UINT64_C(0xb405010a26f11c18), UINT64_C(0xfd3a5a8b24565256), UINT64_C(0x9d53ec478a607c58),
     UINT64_C(0xbfbcf2e3dee7abfa)}, /* 2^171 */
    {UINT64_C(0xb072a316838de4ee), UINT64_C(0x8f148500f69fe8f8), UINT64_C(0xbc2ad4d4d5a4ecb8),
     UINT64_C(0x20d9430de74248c9)}, /* 2^172 */
    {UINT64_C(0x732bd9e5c94b916a), UINT64_C(0xa0851e63a9ec247c), UINT64_C(0x63eb42892a0f4361),
     UINT64_C(0x6db40995b68e4c68)}, /* 2^173 */
    {UINT64_C(0xe87d88258b7992ce), UINT64_C(0xb38ada6d1a5427ba), UINT64_C(0x29f4387fbb3eebe2),
     UINT64_C(0x08543e7ab4077f43)}, /* 2^174 */
    {UINT64_C(0x6735bb34738c34f7), UINT64_C(0x0a1db90231a55a32), UINT64_C(0x7f05b87543072eb8),
     UINT64_C(0x2281c456455c4a6d)}, /* 2^175 */
    {UINT64_C(0x053ff7e4e8581163), UINT64_C(0x0b4df9e68366344a), UINT64_C(0x259022fe05f4023e),
     UINT64_C(0x2432aaa71d816e63)}, /* 2^176 */
    {UINT64_C(0xfc89e47923390d01), UINT64_C(0x81690de70406c5b2), UINT64_C(0xdcdf361320fa2c0b),
     UINT64_C(0x065e8192b0d9e2ab)}, /* 2^177 */
    {UINT64_C(0x54ae81c77079738d), UINT64_C(0xe3da1faabf2f681d), UINT64_C(0xfac68c11fe1e596c),
     UINT64_C(0x6f46880c9915650e)}, /* 2^178 */
    {UINT64_C(0x9350f3f8897dc5cc), UINT64_C(0x3ac1fea4d54d0710), UINT64_C(0x70f4ef60d5dd3890),
     UINT64_C(0x8de6f3aa90cec548)}, /* 2^179 */
    {UINT64_C(0xe7b23f10622b3386), UINT64_C(0xc22f28a3d0afc80b), UINT64_C(0xcb5512bde4e7bf59),
     UINT64_C(0xf930e902851defa3)}, /* 2^180 */
    {UINT64_C(0xcaefa30f55ce5c0f), UINT64_C(0x7bf0fe15bdc9337f), UINT64_C(0x7a55e55bbd72fb81),
     UINT64_C(0xb05640b794289f31)}, /* 2^181 */
    {UINT64_C(0x30121e7a60194d6a), UINT64_C(0xb8b27bb7572d2871), UINT64_C(0x61d6cf653e616a08),
     UINT64_C(0x0fa65f166fbb0db4)}, /* 2^182 */
    {UINT64_C(0x646fe4bfa600d564), UINT64_C(0x3444a78d93dffc9a), UINT64_C(0x1c46fb7ea0484857),
     UINT64_C(0x7a974830be953c4a)}, /* 2^183 */
    {UINT64_C(0x0ffabb6c5ce8d644), UINT64_C(0xbe489e3f8ac41534), UINT64_C(0xb8f35b514eb14767),
     UINT64_C(0x7691957a691df817)}, /* 2^184 */
    {UINT64_C(0x5b16024d0563a65a), UINT64_C(0x83f997e75e88067f), UINT64_C(0xa9c11c5aaf2cab97),
     UINT64_C(0x57f44892a2ad86ea)}, /* 2^185 */
    {UINT64_C(0xa6c7eee290c62375), UINT64_C(0x7fe5c232f064f464), UINT64_C(0x947c9b3af027e791),
     UINT64_C(0x6062e8c7dc309cb2)}, /* 2^186 */
    {UINT64_C(0x038e07e40a2812e1), UINT64_C(0x52a29a371c84710f), UINT64_C(0x4c5bac1c57856ed7),
     UINT64_C(0x2629bab11c98b6ae)}, /* 2^187 */
    {UINT64_C(0x637242c48b99b633), UINT64_C(0x3e3494a05f161ecd), UINT64_C(0xc3f6fbf07e464327),
     UINT64_C(0xaaa38210dde97c64)}, /* 2^188 */
    {UINT64_C(0xc4d01c7eb078fd29), UINT64_C(0xc188ca2c76798705), UINT64_C(0x81d165297d239d2a),
     UINT64_C(0xd6e3b368fb2a3110)}, /* 2^189 */
    {UINT64_C(0x7f90ffb775c02726), UINT64_C(0xacfe2b03b09803d0), UINT64_C(0x5a70368075759194),
     UINT64_C(0x6309de7dbb3bf59d)}, /* 2^190 */
    {UINT64_C(0xf0f03027dfdc22d5), UINT64_C(0x902b0ee66222acc7), UINT64_C(0x78a3e873f00291ed),
     UINT64_C(0xdb9d6b2d354321b4)}, /* 2^191 */
};

/* s <- poly(T) s: 256 generator steps, whatever the jump length. */
static void rng_apply_poly(struct hd_rng *r, const uint64_t poly[4])
{
    uint64_t acc[4] = {0, 0, 0, 0};

    for (int w = 0; w < 4; w++) {
        for (int b = 0; b < 64; b++) {
            if (poly[w] & (UINT64_C(1) << b)) {
                acc[0] ^= r->s[0];
                acc[1] ^= r->s[1];
                acc[2] ^= r->s[2];
                acc[3] ^= r->s[3];
            }
            (void)hd_rng_u64(r);
        }
    }
    for (int k = 0; k < 4; k++) {
        r->s[k] = acc[k];
    }
}

void hd_rng_seed(struct hd_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;

    /* Four splitmix64 outputs are never all zero (it is a bijection of a
     * counter), so the state is always a valid xoshiro state. */
    for (int k = 0; k < 4; k++) {
        r->s[k] = splitmix64(&x);
    }
    for (int i = 0; i < 64; i++) {
        if (stream & (UINT64_C(1) << i)) {
            rng_apply_poly(r, hd_rng_jump_poly[i]);
        }
    }
}

uint64_t hd_rng_stream_id(uint32_t replication, uint32_t purpose)
{
    return ((uint64_t)replication << 32) | purpose;
}

/* ------------------------------------------------------- distributions */

double hd_rng_uniform(struct hd_rng *r)
{
    return (double)(hd_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t hd_rng_below(struct hd_rng *r, uint64_t n)
{
    /* Reject the lowest 2^64 mod n raw values so that every residue has
     * the same number of preimages (as OpenBSD's arc4random_uniform). */
    uint64_t threshold = (0 - n) % n;

    for (;;) {
        uint64_t x = hd_rng_u64(r);
        if (x >= threshold) {
            return x % n;
        }
    }
}

double hd_rng_exp(struct hd_rng *r, double rate)
{
    /* 1 - u lies in (0, 1], so the logarithm is finite. */
    return -log1p(-hd_rng_uniform(r)) / rate;
}

double hd_rng_normal(struct hd_rng *r)
{
    double u, v, s;

    do {
        u = 2.0 * hd_rng_uniform(r) - 1.0;
        v = 2.0 * hd_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    /* The polar method yields two values; keeping no spare makes a draw
     * depend only on the state, so copies of a generator stay in step. */
    return u * sqrt(-2.0 * log(s) / s);
}

double hd_rng_lognormal(struct hd_rng *r, double mu, double sigma)
{
    return exp(mu + sigma * hd_rng_normal(r));
}

int hd_rng_bernoulli(struct hd_rng *r, double p)
{
    return hd_rng_uniform(r) < p;
}

double hd_rng_empirical(struct hd_rng *r, const double *values, size_t n, int interpolate)
{
    if (!interpolate || n == 1) {
        return values[hd_rng_below(r, n)];
    }
    /* Inverse of the piecewise-linear CDF through the order statistics,
     * the same interpolation as hd_quantile_sorted (type 7). */
    double h = hd_rng_uniform(r) * (double)(n - 1);
    size_t i = (size_t)h;
    if (i >= n - 1) {
        return values[n - 1];
    }
    return values[i] + (h - (double)i) * (values[i + 1] - values[i]);
}

size_t hd_rng_discrete(struct hd_rng *r, const double *cum, size_t n)
{
    double target = hd_rng_uniform(r) * cum[n - 1];
    size_t lo = 0, hi = n - 1;

    /* Invariant: the answer is in [lo, hi]; cum[hi] > target holds for
     * hi = n - 1 because u < 1. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (target < cum[mid]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}
