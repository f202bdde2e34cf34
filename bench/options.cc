// diffkern-bench's own flags (removed from argv before Google Benchmark sees it):
//   --dk_min_bytes=N    smallest bytes per array (default 4 KiB)
//   --dk_max_bytes=N    largest bytes per array (default 256 MiB)
//   --dk_min_time=S     seconds each benchmark runs at least (default 0.2)
//   --dk_slow_max_bytes=N  largest size for the scalar ISA's noise kernels
//                       and the libm noise baseline (default 256 MiB)
//   --dk_threads_bytes=N   bytes per array of the threads benchmarks
//                       (default 64 MiB, at most --dk_max_bytes)
//   --dk_isas=A,B,...   only these ISAs (of those this host runs), e.g. to
//                       see the report of a host without AVX-512
// N may end in K, M or G (powers of 1024).
#include "bench.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dkb
{

namespace
{

// "N" or "N" followed by K, M or G; false on anything else.
bool parse_bytes(const char *s, size_t *out)
{
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || end == s || *s == '-')
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 'K':
    case 'k':
        shift = 10;
        ++end;
        break;
    case 'M':
    case 'm':
        shift = 20;
        ++end;
        break;
    case 'G':
    case 'g':
        shift = 30;
        ++end;
        break;
    default:
        break;
    }
    if (*end != '\0' || v > (SIZE_MAX >> shift))
        return false;
    *out = static_cast<size_t>(v) << shift;
    return true;
}

bool parse_seconds(const char *s)
{
    char *end = nullptr;
    double v = std::strtod(s, &end);
    return end != s && *end == '\0' && std::isfinite(v) && v > 0;
}

// "a,b,c" into names that dk_isa_name knows; false on an unknown one.
bool parse_isas(const char *s, std::vector<std::string> *out)
{
    out->clear();
    std::string list(s);
    size_t at = 0;
    while (at <= list.size()) {
        const size_t comma = std::min(list.find(',', at), list.size());
        const std::string name = list.substr(at, comma - at);
        bool known = false;
        for (int i = 0; i < DK_ISA_COUNT; ++i)
            known = known || name == dk_isa_name(static_cast<dk_isa>(i));
        if (!known)
            return false;
        out->push_back(name);
        at = comma + 1;
    }
    return !out->empty();
}

} // namespace

bool take_flags(int *argc, char **argv, Options *o)
{
    struct ByteFlag {
        const char *prefix;
        size_t *value;
    };
    const ByteFlag byte_flags[] = {
        {"--dk_min_bytes=", &o->min_bytes},
        {"--dk_max_bytes=", &o->max_bytes},
        {"--dk_slow_max_bytes=", &o->slow_max_bytes},
        {"--dk_threads_bytes=", &o->threads_bytes},
    };
    int kept = 1;
    for (int i = 1; i < *argc; ++i) {
        const char *a = argv[i];
        if (std::strncmp(a, "--dk_", 5) != 0) {
            argv[kept++] = argv[i];
            continue;
        }
        bool ok = false;
        for (const ByteFlag &f : byte_flags) {
            const size_t len = std::strlen(f.prefix);
            if (std::strncmp(a, f.prefix, len) == 0)
                ok = parse_bytes(a + len, f.value);
        }
        if (std::strncmp(a, "--dk_min_time=", 14) == 0) {
            ok = parse_seconds(a + 14);
            o->min_time = a + 14;
        }
        if (std::strncmp(a, "--dk_isas=", 10) == 0)
            ok = parse_isas(a + 10, &o->isas);
        if (!ok) {
            std::fprintf(stderr, "diffkern-bench: bad flag %s\n", a);
            return false;
        }
    }
    *argc = kept;
    argv[kept] = nullptr;
    return true;
}

void print_usage()
{
    std::printf("diffkern-bench flags:\n"
                "  --dk_min_bytes=N       smallest bytes per array (default 4K)\n"
                "  --dk_max_bytes=N       largest bytes per array (default 256M)\n"
                "  --dk_min_time=S        seconds per benchmark (default 0.2)\n"
                "  --dk_slow_max_bytes=N  largest size of the scalar noise kernels and the\n"
                "                         libm noise baseline (default 256M)\n"
                "  --dk_threads_bytes=N   bytes per array of the threads benchmarks\n"
                "                         (default 64M, at most --dk_max_bytes)\n"
                "  --dk_isas=A,B          only these ISAs (scalar, sse41, avx2, avx512, neon)\n"
                "  N may end in K, M or G. Google Benchmark flags follow.\n\n");
}

std::vector<size_t> sizes(const Options &o)
{
    std::vector<size_t> out;
    for (size_t bytes = size_t{4} << 10; bytes <= (size_t{256} << 20); bytes *= 4)
        if (bytes >= o.min_bytes && bytes <= o.max_bytes)
            out.push_back(bytes);
    return out;
}

std::vector<dk_isa> isas_to_run(const Options &o)
{
    std::vector<dk_isa> out;
    for (int i = 0; i < DK_ISA_COUNT; ++i) {
        const dk_isa isa = static_cast<dk_isa>(i);
        bool named = o.isas.empty();
        for (const std::string &name : o.isas)
            named = named || name == dk_isa_name(isa);
        if (named && dk_isa_supported(isa))
            out.push_back(isa);
    }
    return out;
}

} // namespace dkb
