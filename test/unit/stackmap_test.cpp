// Stack maps (runtime/stackmap.c): the StackMap v3 parser on hand-built blobs, registration of
// modules (idempotence, several blobs with linker padding, several modules, unregistration,
// function info), lookups (hits, misses, concurrency with registration, fork), and one death
// test per class of malformed data with its message.
#include "internal.h"
#include "stackmap.h"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using testing::ExitedWithCode;

// ---- Blob builder: the byte layout of llvm/docs/StackMaps.rst, version 3 ------------------------

struct Loc {
  uint8_t type;
  uint16_t size;
  uint16_t reg;
  int32_t offset;
};

struct LiveOut {
  uint16_t reg;
  uint8_t size;
};

struct Rec {
  uint64_t id;
  uint32_t insn_offset;
  std::vector<Loc> locs;
  std::vector<LiveOut> live_outs;
};

struct Fn {
  uint64_t addr;
  uint64_t stack_size;
  std::vector<Rec> recs;
};

struct Blob {
  std::vector<Fn> fns;
  std::vector<uint64_t> constants;
};

struct Bytes {
  std::vector<uint8_t> b;
  template <typename T> size_t put(T v) {
    size_t at = b.size();
    b.resize(at + sizeof v);
    memcpy(&b[at], &v, sizeof v);
    return at;
  }
  void align8() {
    while (b.size() % 8)
      b.push_back(0);
  }
  template <typename T> void patch(size_t at, T v) { memcpy(&b.at(at), &v, sizeof v); }
  void append(const Bytes &o) { b.insert(b.end(), o.b.begin(), o.b.end()); }
};

Bytes Serialize(const Blob &blob) {
  Bytes o;
  size_t nrecs = 0;
  for (const Fn &f : blob.fns)
    nrecs += f.recs.size();
  o.put<uint8_t>(3);
  o.put<uint8_t>(0);
  o.put<uint16_t>(0);
  o.put<uint32_t>(blob.fns.size());
  o.put<uint32_t>(blob.constants.size());
  o.put<uint32_t>(nrecs);
  for (const Fn &f : blob.fns) {
    o.put<uint64_t>(f.addr);
    o.put<uint64_t>(f.stack_size);
    o.put<uint64_t>(f.recs.size());
  }
  for (uint64_t c : blob.constants)
    o.put<uint64_t>(c);
  for (const Fn &f : blob.fns)
    for (const Rec &r : f.recs) {
      o.put<uint64_t>(r.id);
      o.put<uint32_t>(r.insn_offset);
      o.put<uint16_t>(0);
      o.put<uint16_t>(r.locs.size());
      for (const Loc &l : r.locs) {
        o.put<uint8_t>(l.type);
        o.put<uint8_t>(0);
        o.put<uint16_t>(l.size);
        o.put<uint16_t>(l.reg);
        o.put<uint16_t>(0);
        o.put<int32_t>(l.offset);
      }
      o.align8();
      o.put<uint16_t>(0);
      o.put<uint16_t>(r.live_outs.size());
      for (const LiveOut &lo : r.live_outs) {
        o.put<uint16_t>(lo.reg);
        o.put<uint8_t>(0);
        o.put<uint8_t>(lo.size);
      }
      o.align8();
    }
  return o;
}

// An 8-aligned heap copy, as the linker would place a section. Not inside any loaded object, so
// the runtime skips its "address is in the module's code" checks and names the module
// "<unknown module 0x...>".
struct Section {
  std::unique_ptr<uint64_t[]> words;
  size_t size = 0;
  explicit Section(const Bytes &bytes) : words(new uint64_t[bytes.b.size() / 8 + 2]()),
                                         size(bytes.b.size()) {
    if (size)
      memcpy(words.get(), bytes.b.data(), size);
  }
  const void *begin() const { return words.get(); }
  const void *end() const { return reinterpret_cast<const uint8_t *>(words.get()) + size; }
};

constexpr Loc kSpill{GOSTACK_SM_INDIRECT, 8, 7, 16};   // [rsp + 16]
constexpr Loc kAlloca{GOSTACK_SM_DIRECT, 8, 7, 32};    // rsp + 32
constexpr Loc kZero{GOSTACK_SM_CONSTANT, 8, 0, 0};     // statepoint header constants
constexpr Loc kBig{GOSTACK_SM_CONSTANT_INDEX, 8, 0, 0}; // constants[0]

// A blob shaped like a statepoint's: three header constants, then gc pointers.
Blob OneFunction(uint64_t fn, std::vector<uint32_t> offsets, uint64_t stack = 40) {
  Fn f{fn, stack, {}};
  for (uint32_t off : offsets)
    f.recs.push_back(Rec{0xabcdef00, off, {kZero, kZero, kZero, kSpill, kSpill, kAlloca}, {}});
  return Blob{{f}, {}};
}

struct Registered {
  const void *key;
  ~Registered() { __gostack_unregister_module(key); }
};

std::string Quote(const std::string &s) { // a literal for gtest's POSIX regex
  std::string out;
  for (char c : s) {
    if (strchr("\\^$.|?*+()[]{}", c))
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

void NoSymbolizer() { setenv("GOSTACK_SYMBOLIZE", "0", 1); }

std::string ParseError(const Bytes &bytes) {
  Section s(bytes);
  char err[512] = "unset";
  int rc = gostack_stackmap_parse(s.begin(), s.end(), nullptr, nullptr, err, sizeof err);
  return rc == 0 ? std::string("ok") : std::string(err);
}

// ---- Parser -------------------------------------------------------------------------------------

TEST(StackMapParse, ReportsEveryCallSiteWithItsFields) {
  Blob blob{{Fn{0x401000, 56, {Rec{7, 0x1a, {kZero, kBig, kSpill}, {{3, 8}, {12, 8}}},
                               Rec{8, 0x30, {kAlloca}, {}}}},
             Fn{0x402000, GOSTACK_SM_DYNAMIC_FRAME, {Rec{9, 0x4, {}, {}}}}},
            {0x123456789abcdefull}};
  Section s(Serialize(blob));
  std::vector<gostack_sm_callsite> seen;
  std::vector<size_t> offsets;
  auto cb = [](void *ctx, const gostack_sm_callsite *cs, size_t off, char *, size_t) {
    auto *v = static_cast<std::pair<std::vector<gostack_sm_callsite> *, std::vector<size_t> *> *>(
        ctx);
    v->first->push_back(*cs);
    v->second->push_back(off);
    return 0;
  };
  std::pair<std::vector<gostack_sm_callsite> *, std::vector<size_t> *> ctx{&seen, &offsets};
  char err[256];
  ASSERT_EQ(gostack_stackmap_parse(s.begin(), s.end(), cb, &ctx, err, sizeof err), 0) << err;
  ASSERT_EQ(seen.size(), 3u);
  // Header 16 + 2 functions * 24 + 1 constant * 8 = 72: the first record.
  EXPECT_EQ(offsets[0], 72u);
  EXPECT_EQ(seen[0].return_address, 0x40101au);
  EXPECT_EQ(seen[0].function_address, 0x401000u);
  EXPECT_EQ(seen[0].frame_size, 56u);
  EXPECT_EQ(seen[0].id, 7u);
  ASSERT_EQ(seen[0].num_locations, 3u);
  EXPECT_EQ(seen[0].locations[1].type, GOSTACK_SM_CONSTANT_INDEX);
  EXPECT_EQ(seen[0].constants[seen[0].locations[1].offset], 0x123456789abcdefull);
  EXPECT_EQ(seen[0].num_constants, 1u);
  EXPECT_EQ(seen[0].locations[2].type, GOSTACK_SM_INDIRECT);
  EXPECT_EQ(seen[0].locations[2].dwarf_reg, 7);
  EXPECT_EQ(seen[0].locations[2].offset, 16);
  ASSERT_EQ(seen[0].num_live_outs, 2u);
  EXPECT_EQ(seen[0].live_outs[1].dwarf_reg, 12);
  EXPECT_EQ(seen[0].live_outs[1].size, 8);
  // 72 + 16 + 3*12 = 124 -> 128, + 4 + 2*4 = 140 -> 144.
  EXPECT_EQ(offsets[1], 144u);
  EXPECT_EQ(seen[1].return_address, 0x401030u);
  EXPECT_EQ(seen[1].locations[0].type, GOSTACK_SM_DIRECT);
  EXPECT_EQ(seen[2].return_address, 0x402004u);
  EXPECT_EQ(seen[2].frame_size, GOSTACK_SM_DYNAMIC_FRAME);
  EXPECT_EQ(seen[2].num_locations, 0u);
  EXPECT_EQ(seen[2].locations, nullptr);
}

TEST(StackMapParse, EmptyAndNullSectionsAreFine) {
  char err[128];
  EXPECT_EQ(gostack_stackmap_parse(nullptr, nullptr, nullptr, nullptr, err, sizeof err), 0);
  uint64_t zeros[4] = {};
  EXPECT_EQ(gostack_stackmap_parse(zeros, zeros, nullptr, nullptr, err, sizeof err), 0);
  EXPECT_EQ(gostack_stackmap_parse(zeros, zeros + 4, nullptr, nullptr, err, sizeof err), 0);
  EXPECT_EQ(gostack_fninfo_parse(nullptr, nullptr, nullptr, nullptr, err, sizeof err), 0);
  EXPECT_EQ(gostack_fninfo_parse(zeros, zeros + 4, nullptr, nullptr, err, sizeof err), 0);
}

TEST(StackMapParse, ACallbackErrorStopsTheParseWithItsOffset) {
  Section s(Serialize(OneFunction(0x1000, {4, 8})));
  auto cb = [](void *, const gostack_sm_callsite *cs, size_t, char *err, size_t n) {
    if (cs->return_address == 0x1008) {
      snprintf(err, n, "no thanks");
      return 1;
    }
    return 0;
  };
  char err[256];
  EXPECT_EQ(gostack_stackmap_parse(s.begin(), s.end(), cb, nullptr, err, sizeof err), -1);
  // Header 16 + function 24 = 40; first record 16 + 6*12 = 88, +4 -> 96 -> 136 second record.
  EXPECT_STREQ(err, "at offset 136: no thanks");
}

TEST(StackMapParse, AcceptsLLVMsMarkerForOversizedRecords) {
  // StackMaps::emitCallsiteEntries writes ID UINT64_MAX and no locations when a call site has
  // more locations than the format holds.
  Section s(Serialize(Blob{{Fn{0x1000, 8, {Rec{GOSTACK_SM_INVALID_ID, 12, {}, {}}}}}, {}}));
  char err[256];
  EXPECT_EQ(gostack_stackmap_parse(s.begin(), s.end(), nullptr, nullptr, err, sizeof err), 0)
      << err;
}

// ---- Registration and lookup --------------------------------------------------------------------

TEST(StackMap, RegisterFindAndUnregister) {
  size_t base = gostack_stackmap_count();
  Section s(Serialize(OneFunction(0x7000100000, {0x10, 0x24, 0x80})));
  __gostack_register_module(s.begin(), s.end(), nullptr, nullptr);
  EXPECT_EQ(gostack_stackmap_count(), base + 3);
  const gostack_sm_callsite *cs = gostack_stackmap_find(0x7000100024);
  ASSERT_NE(cs, nullptr);
  EXPECT_EQ(cs->return_address, 0x7000100024u);
  EXPECT_EQ(cs->frame_size, 40u);
  EXPECT_EQ(cs->id, 0xabcdef00u);
  ASSERT_EQ(cs->num_locations, 6u);
  EXPECT_EQ(cs->locations[3].type, GOSTACK_SM_INDIRECT);
  EXPECT_EQ(cs->locations[5].type, GOSTACK_SM_DIRECT);
  // The locations are the section's bytes, not a copy.
  EXPECT_GE(reinterpret_cast<uintptr_t>(cs->locations), reinterpret_cast<uintptr_t>(s.begin()));
  EXPECT_LT(reinterpret_cast<uintptr_t>(cs->locations), reinterpret_cast<uintptr_t>(s.end()));
  for (uintptr_t ra : {0x7000100010ul, 0x7000100080ul})
    EXPECT_NE(gostack_stackmap_find(ra), nullptr) << std::hex << ra;
  for (uintptr_t ra : {0ul, 0x7000100000ul, 0x700010000ful, 0x7000100011ul, 0x7000100023ul,
                       0x7000100025ul, 0x7000100081ul, UINTPTR_MAX})
    EXPECT_EQ(gostack_stackmap_find(ra), nullptr) << std::hex << ra;
  __gostack_unregister_module(s.begin());
  EXPECT_EQ(gostack_stackmap_count(), base);
  EXPECT_EQ(gostack_stackmap_find(0x7000100024), nullptr);
  // Registering again after unregistering works (dlclose, then dlopen at the same address).
  __gostack_register_module(s.begin(), s.end(), nullptr, nullptr);
  EXPECT_NE(gostack_stackmap_find(0x7000100024), nullptr);
  __gostack_unregister_module(s.begin());
  EXPECT_EQ(gostack_stackmap_find(0x7000100024), nullptr);
}

TEST(StackMap, RegistrationIsIdempotentPerModule) {
  size_t base = gostack_stackmap_count();
  Section s(Serialize(OneFunction(0x7000200000, {0x10, 0x20})));
  // Every object of a DSO runs its own constructor with the same bounds.
  for (int i = 0; i < 5; i++)
    __gostack_register_module(s.begin(), s.end(), nullptr, nullptr);
  EXPECT_EQ(gostack_stackmap_count(), base + 2);
  // ... and its own destructor.
  for (int i = 0; i < 5; i++)
    __gostack_unregister_module(s.begin());
  EXPECT_EQ(gostack_stackmap_count(), base);
  __gostack_unregister_module(nullptr);
  __gostack_unregister_module(&base); // unknown keys are ignored
  __gostack_register_module(nullptr, nullptr, nullptr, nullptr); // nothing to register
  EXPECT_EQ(gostack_stackmap_count(), base);
}

TEST(StackMap, SeveralBlobsWithLinkerPadding) {
  // What a linker makes of three objects: blobs back to back, zero words between some of them
  // (alignment padding) and at the end.
  Bytes all = Serialize(OneFunction(0x7000300000, {0x8}));
  all.put<uint64_t>(0);
  all.put<uint64_t>(0);
  all.append(Serialize(Blob{{Fn{0x7000301000, 24, {Rec{1, 0x10, {kBig}, {}}}},
                             Fn{0x7000302000, 32, {Rec{2, 0x4, {}, {}}, Rec{3, 0x8, {}, {}}}}},
                            {42}}));
  all.append(Serialize(Blob{{Fn{0x7000303000, 16, {Rec{4, 0x6, {kBig}, {}}}}}, {77}}));
  all.put<uint64_t>(0);
  Section s(all);
  size_t base = gostack_stackmap_count();
  __gostack_register_module(s.begin(), s.end(), nullptr, nullptr);
  Registered r{s.begin()};
  EXPECT_EQ(gostack_stackmap_count(), base + 5);
  const gostack_sm_callsite *a = gostack_stackmap_find(0x7000301010);
  const gostack_sm_callsite *b = gostack_stackmap_find(0x7000303006);
  ASSERT_TRUE(a && b);
  // Each blob has its own constant pool.
  EXPECT_EQ(a->constants[a->locations[0].offset], 42u);
  EXPECT_EQ(b->constants[b->locations[0].offset], 77u);
  EXPECT_EQ(gostack_stackmap_find(0x7000302008)->id, 3u);
  EXPECT_EQ(gostack_stackmap_find(0x7000300008)->id, 0xabcdef00u);
}

TEST(StackMap, TwoModules) {
  size_t base = gostack_stackmap_count();
  // Interleaved address ranges: the index is one sorted array across modules.
  Section m1(Serialize(OneFunction(0x7000400000, {0x10, 0x30})));
  Section m2(Serialize(OneFunction(0x7000400020, {0x4, 0x40})));
  __gostack_register_module(m1.begin(), m1.end(), nullptr, nullptr);
  __gostack_register_module(m2.begin(), m2.end(), nullptr, nullptr);
  EXPECT_EQ(gostack_stackmap_count(), base + 4);
  for (uintptr_t ra : {0x7000400010ul, 0x7000400024ul, 0x7000400030ul, 0x7000400060ul})
    EXPECT_NE(gostack_stackmap_find(ra), nullptr) << std::hex << ra;
  __gostack_unregister_module(m1.begin());
  EXPECT_EQ(gostack_stackmap_count(), base + 2);
  EXPECT_EQ(gostack_stackmap_find(0x7000400010), nullptr);
  EXPECT_NE(gostack_stackmap_find(0x7000400024), nullptr);
  EXPECT_NE(gostack_stackmap_find(0x7000400060), nullptr);
  __gostack_unregister_module(m2.begin());
  EXPECT_EQ(gostack_stackmap_count(), base);
}

TEST(StackMap, IdenticalDuplicateRecordsAreMerged) {
  // A function emitted by two objects without COMDAT deduplication: same code, same maps.
  Bytes all = Serialize(OneFunction(0x7000500000, {0x10}));
  all.append(Serialize(OneFunction(0x7000500000, {0x10})));
  Section s(all);
  size_t base = gostack_stackmap_count();
  __gostack_register_module(s.begin(), s.end(), nullptr, nullptr);
  Registered r{s.begin()};
  EXPECT_EQ(gostack_stackmap_count(), base + 1);
}

TEST(StackMap, FunctionInfo) {
  gostack_fninfo_record fns[] = {
      {0x7000600100, GOSTACK_ARG_RDI | GOSTACK_ARG_R9, 0x5},
      {0x7000600000, 0, GOSTACK_FNINFO_UNKNOWN_LAYOUT},
      {0, 0, 0}, // padding
      {0x7000600200, GOSTACK_ARG_RSI, 0},
  };
  size_t base = gostack_fninfo_count();
  // A module with function records but no stack maps: keyed by its fninfo section.
  __gostack_register_module(nullptr, nullptr, fns, fns + 4);
  EXPECT_EQ(gostack_fninfo_count(), base + 3);
  uint32_t regs = 99, flags = 99;
  EXPECT_EQ(gostack_fninfo_find(0x70006000ff, &regs, &flags), 1);
  EXPECT_EQ(regs, 0u);
  EXPECT_EQ(flags, GOSTACK_FNINFO_UNKNOWN_LAYOUT);
  EXPECT_EQ(gostack_fninfo_find(0x7000600100, &regs, &flags), 1);
  EXPECT_EQ(regs, GOSTACK_ARG_RDI | GOSTACK_ARG_R9);
  EXPECT_EQ(flags, 0x5u);
  EXPECT_EQ(gostack_fninfo_find(0x7000600180, &regs, nullptr), 1);
  EXPECT_EQ(regs, GOSTACK_ARG_RDI | GOSTACK_ARG_R9);
  EXPECT_EQ(gostack_fninfo_find(0x7000600234, &regs, &flags), 1);
  EXPECT_EQ(regs, unsigned{GOSTACK_ARG_RSI});
  EXPECT_EQ(flags, 0u);
  EXPECT_EQ(gostack_fninfo_find(0x7000600234, nullptr, nullptr), 1);
  regs = flags = 99;
  EXPECT_EQ(gostack_fninfo_find(0x70005fffff, &regs, &flags), 0);
  EXPECT_EQ(regs, 99u);
  EXPECT_EQ(flags, 99u);
  __gostack_unregister_module(fns);
  EXPECT_EQ(gostack_fninfo_count(), base);
  EXPECT_EQ(gostack_fninfo_find(0x7000600100, &regs, &flags), 0);
}

// __gostack_is_instrumented, what indirect call sites ask: exact entries only, unchecked
// (variadic) entries included; gostack_fninfo_find ignores those, they have no entry layout.
TEST(StackMap, IsInstrumentedMatchesExactEntries) {
  gostack_fninfo_record fns[] = {
      {0x7000680100, GOSTACK_ARG_RDI, 0},
      {0x7000680000, GOSTACK_FNINFO_UNCHECKED_ENTRY, 0}, // a variadic entry
      {0x7000680200, 0, GOSTACK_FNINFO_UNKNOWN_LAYOUT},
  };
  auto is = [](uintptr_t a) { return __gostack_is_instrumented(reinterpret_cast<void *>(a)); };
  EXPECT_EQ(is(0x7000680100), 0);
  __gostack_register_module(nullptr, nullptr, fns, fns + 3);
  for (uintptr_t a : {0x7000680000ul, 0x7000680100ul, 0x7000680200ul})
    EXPECT_EQ(is(a), 1) << std::hex << a;
  for (uintptr_t a : {0x70006800fful, 0x7000680101ul, 0x7000680001ul, 0x7000680201ul,
                      0x7000670000ul, 0ul, UINTPTR_MAX})
    EXPECT_EQ(is(a), 0) << std::hex << a;
  uint32_t regs = 99;
  EXPECT_EQ(gostack_fninfo_find(0x7000680000, &regs, nullptr), 0);
  EXPECT_EQ(gostack_fninfo_find(0x7000680080, &regs, nullptr), 0);
  EXPECT_EQ(regs, 99u);
  EXPECT_EQ(gostack_fninfo_find(0x7000680180, &regs, nullptr), 1);
  EXPECT_EQ(regs, unsigned{GOSTACK_ARG_RDI});
  __gostack_unregister_module(fns);
  EXPECT_EQ(is(0x7000680100), 0);
  EXPECT_EQ(is(0x7000680000), 0);
}

TEST(StackMap, FunctionInfoAtTheTopOfTheAddressSpace) {
  // Found by the fuzzer: with no segment bound, the last address is still inside.
  gostack_fninfo_record fns[] = {{UINT64_MAX, 1, 0}};
  __gostack_register_module(nullptr, nullptr, fns, fns + 1);
  uint32_t regs = 0;
  EXPECT_EQ(gostack_fninfo_find(UINTPTR_MAX, &regs, nullptr), 1);
  EXPECT_EQ(regs, 1u);
  EXPECT_EQ(gostack_fninfo_find(UINTPTR_MAX - 1, &regs, nullptr), 0);
  __gostack_unregister_module(fns);
}

// Real code: a "section" in this executable's data that describes this executable's functions
// passes the address checks, and fninfo lookups stop at the end of the code segment.
__attribute__((noinline)) int RealFunction(int x) { return x * 3 + 1; }
__attribute__((noinline)) int OtherRealFunction(int x) { return x * 5 + 2; }

TEST(StackMap, RealModuleAddressesAreChecked) {
  static uint64_t maps[64];
  static gostack_fninfo_record fns[2];
  uintptr_t fn = reinterpret_cast<uintptr_t>(&RealFunction);
  Bytes b = Serialize(OneFunction(fn, {4}));
  ASSERT_LE(b.b.size(), sizeof maps);
  memcpy(maps, b.b.data(), b.b.size());
  fns[0] = {fn, GOSTACK_ARG_RDI, 0};
  const void *end = reinterpret_cast<const uint8_t *>(maps) + b.b.size();
  char err[1024];
  ASSERT_EQ(gostack_register_module_checked(maps, end, fns, fns + 1, err, sizeof err), 0) << err;
  EXPECT_NE(gostack_stackmap_find(fn + 4), nullptr);
  uint32_t regs = 0;
  EXPECT_EQ(gostack_fninfo_find(fn + 1, &regs, nullptr), 1);
  EXPECT_EQ(regs, unsigned{GOSTACK_ARG_RDI});
  // Data (and the heap, other libraries) is beyond this module's code segment.
  EXPECT_EQ(gostack_fninfo_find(reinterpret_cast<uintptr_t>(&maps[0]), &regs, nullptr), 0);
  EXPECT_EQ(gostack_fninfo_find(reinterpret_cast<uintptr_t>(&malloc), &regs, nullptr), 0);
  EXPECT_EQ(__gostack_is_instrumented(reinterpret_cast<void *>(fn)), 1);
  EXPECT_EQ(__gostack_is_instrumented(reinterpret_cast<void *>(fn + 1)), 0);
  EXPECT_EQ(__gostack_is_instrumented(reinterpret_cast<void *>(&OtherRealFunction)), 0);
  EXPECT_EQ(__gostack_is_instrumented(reinterpret_cast<void *>(&malloc)), 0);
  // The main program is never unregistered (its destructor runs at exit, while other threads
  // may still be moving stacks).
  __gostack_unregister_module(maps);
  EXPECT_NE(gostack_stackmap_find(fn + 4), nullptr);
}

TEST(StackMap, FunctionInfoBoundToAnotherModulesCodeIsSkipped) {
  // A DSO's record for a function another module interposes points into that module's code.
  static gostack_fninfo_record fns[2];
  fns[0] = {reinterpret_cast<uintptr_t>(&OtherRealFunction), GOSTACK_ARG_RSI, 0};
  // libc's code (from libc itself: sanitizers put interceptors of the name into the program).
  void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr);
  uintptr_t in_libc = reinterpret_cast<uintptr_t>(dlsym(libc, "qsort"));
  ASSERT_NE(in_libc, 0u);
  fns[1] = {in_libc, GOSTACK_ARG_RDI, 0};
  size_t base = gostack_fninfo_count();
  char err[1024];
  ASSERT_EQ(gostack_register_module_checked(nullptr, nullptr, fns, fns + 2, err, sizeof err), 0)
      << err;
  EXPECT_EQ(gostack_fninfo_count(), base + 1);
  EXPECT_EQ(gostack_fninfo_find(in_libc, nullptr, nullptr), 0);
  dlclose(libc);
}

TEST(StackMapDeathTest, RealModuleErrorsNameTheModuleAndTheAddress) {
  NoSymbolizer();
  static uint64_t maps[64];
  Bytes b = Serialize(OneFunction(0x1000, {4}));
  memcpy(maps, b.b.data(), b.b.size());
  const void *end = reinterpret_cast<const uint8_t *>(maps) + b.b.size();
  EXPECT_EXIT(__gostack_register_module(maps, end, nullptr, nullptr), ExitedWithCode(2),
              "gostack: fatal: malformed stack map in /[^ ]+ at offset 40: "
              "function address 0x1000 is not in the module's code");
  static gostack_fninfo_record fns[1] = {{0x1000, 0, 0}};
  EXPECT_EXIT(__gostack_register_module(nullptr, nullptr, fns, fns + 1), ExitedWithCode(2),
              "malformed function info in /[^ ]+ at offset 0: function "
              "address 0x1000 is not in the module's code");
  uintptr_t fn = reinterpret_cast<uintptr_t>(&RealFunction);
  b = Serialize(OneFunction(fn, {0x10000000}));
  memcpy(maps, b.b.data(), b.b.size());
  EXPECT_EXIT(__gostack_register_module(maps, end, nullptr, nullptr), ExitedWithCode(2),
              "at offset 40: return address 0x[0-9a-f]+ lies beyond the code segment of its "
              "function");
}

TEST(StackMap, ConflictingRecordsInOneModuleAreLeftOut) {
  // Two different records for one address: neither can be trusted, the address is not indexed.
  Bytes all = Serialize(OneFunction(0x7000700000, {0x10, 0x20}));
  all.append(Serialize(OneFunction(0x7000700000, {0x10}, /*stack=*/48)));
  all.append(Serialize(OneFunction(0x7000700000, {0x10})));
  Section s(all);
  size_t base = gostack_stackmap_count();
  __gostack_register_module(s.begin(), s.end(), nullptr, nullptr);
  Registered r{s.begin()};
  EXPECT_EQ(gostack_stackmap_count(), base + 1);
  EXPECT_EQ(gostack_stackmap_find(0x7000700010), nullptr);
  EXPECT_NE(gostack_stackmap_find(0x7000700020), nullptr);
}

TEST(StackMapDeathTest, ConflictingFunctionInfoInOneModule) {
  NoSymbolizer();
  gostack_fninfo_record fns[] = {{0x7000700000, 1, 0}, {0x7000700000, 2, 0}};
  EXPECT_EXIT(__gostack_register_module(nullptr, nullptr, fns, fns + 2), ExitedWithCode(2),
              "malformed function info in <unknown module 0x[0-9a-f]+> at offset 16: record "
              "for function 0x7000700000 conflicts with the one at offset 0");
}

TEST(StackMapDeathTest, ConflictsBetweenModules) {
  NoSymbolizer();
  Section m1(Serialize(OneFunction(0x7000800000, {0x10})));
  Section m2(Serialize(OneFunction(0x7000800008, {0x8})));
  __gostack_register_module(m1.begin(), m1.end(), nullptr, nullptr);
  Registered r{m1.begin()};
  EXPECT_EXIT(__gostack_register_module(m2.begin(), m2.end(), nullptr, nullptr),
              ExitedWithCode(2),
              "malformed stack map in <unknown module 0x[0-9a-f]+> at offset 40: return "
              "address 0x7000800010 is already described by a stack map registered from "
              "another module");
  char err[512];
  EXPECT_EQ(gostack_register_module_checked(m2.begin(), m2.end(), nullptr, nullptr, err,
                                            sizeof err),
            -1);
  EXPECT_NE(strstr(err, "already described"), nullptr) << err;
  // The failed registration left nothing behind.
  EXPECT_EQ(gostack_stackmap_find(0x7000800010)->function_address, 0x7000800000u);
  gostack_fninfo_record f1[] = {{0x7000800000, 1, 0}}, f2[] = {{0x7000800000, 1, 0}};
  __gostack_register_module(nullptr, nullptr, f1, f1 + 1);
  Registered r2{f1};
  EXPECT_EXIT(__gostack_register_module(nullptr, nullptr, f2, f2 + 1), ExitedWithCode(2),
              "malformed function info in <unknown module 0x[0-9a-f]+> at offset 0: function "
              "0x7000800000 is already described by function info registered from another "
              "module");
}

TEST(StackMapDeathTest, SameModuleWithOtherBounds) {
  NoSymbolizer();
  Section s(Serialize(OneFunction(0x7000900000, {0x10, 0x20})));
  __gostack_register_module(s.begin(), s.end(), nullptr, nullptr);
  Registered r{s.begin()};
  EXPECT_EXIT(__gostack_register_module(s.begin(), s.begin(), nullptr, nullptr),
              ExitedWithCode(2), "stack maps of <unknown module 0x[0-9a-f]+> registered twice "
                                 "with different bounds");
}

// ---- Malformed data: one case per check, each a fatal error with its message --------------------

struct Malformed {
  const char *name;
  std::function<Bytes()> make;
  std::string message; // after "at offset "
};

Bytes Good() { return Serialize(OneFunction(0x7000a00000, {0x10})); }

// Offsets in Good(): header 0, function record 16, record 40 (id 40, insn 48, flags 52,
// count 54), locations at 56 + 12*i, padding at 128..135, live-out header 128.

std::vector<Malformed> MalformedCases() {
  auto with = [](std::function<void(Bytes &)> edit) {
    return [edit] {
      Bytes b = Good();
      edit(b);
      return b;
    };
  };
  auto loc = [](Loc l) {
    return [l] {
      return Serialize(Blob{{Fn{0x7000a00000, 8, {Rec{1, 4, {kZero, l}, {}}}}}, {5}});
    };
  };
  return {
      {"Version", with([](Bytes &b) { b.patch<uint8_t>(0, 2); }),
       "0: unsupported stack map version 2 (expected 3)"},
      {"GarbageAfterPadding",
       [] {
         Bytes b = Good();
         b.put<uint64_t>(0);
         b.put<uint64_t>(0x0101);
         return b;
       },
       "144: unsupported stack map version 1 (expected 3)"},
      {"ReservedHeader", with([](Bytes &b) { b.patch<uint8_t>(1, 1); }),
       "0: reserved header bytes are not zero"},
      {"ReservedHeader16", with([](Bytes &b) { b.patch<uint16_t>(2, 9); }),
       "0: reserved header bytes are not zero"},
      {"TruncatedHeader",
       [] {
         Bytes b;
         b.put<uint32_t>(3);
         b.put<uint32_t>(1);
         return b;
       },
       "0: truncated header (8 bytes, need 16)"},
      {"TrailingBytes",
       [] {
         Bytes b = Good();
         b.put<uint32_t>(0);
         return b;
       },
       "136: 4 trailing bytes are not a whole 8-byte word"},
      {"FunctionsOverrun", with([](Bytes &b) { b.patch<uint32_t>(4, 0x10000000); }),
       "4: 268435456 functions and 0 constants need 6442450960 bytes, only 136 remain"},
      {"ConstantsOverrun", with([](Bytes &b) { b.patch<uint32_t>(8, 0xffffffff); }),
       "4: 1 functions and 4294967295 constants need 34359738400 bytes, only 136 remain"},
      {"RecordsOverrun", with([](Bytes &b) { b.patch<uint32_t>(12, 5); }),
       "12: 5 records cannot fit in the 96 bytes that remain"},
      {"FunctionAddressZero", with([](Bytes &b) { b.patch<uint64_t>(16, 0); }),
       "16: function 0 has address 0"},
      {"FunctionWithoutRecords", with([](Bytes &b) { b.patch<uint64_t>(32, 0); }),
       "32: function 0 has no call sites"},
      {"RecordCountsExceed", with([](Bytes &b) { b.patch<uint64_t>(32, 2); }),
       "32: record counts of functions 0..0 exceed NumRecords 1"},
      {"RecordCountsShort",
       [] {
         Blob blob = OneFunction(0x7000a00000, {0x10, 0x20});
         Bytes b = Serialize(blob);
         b.patch<uint64_t>(32, 1); // the function claims 1 of the 2 records
         return b;
       },
       "12: NumRecords is 2 but the functions' record counts sum to 1"},
      {"RecordFlags", with([](Bytes &b) { b.patch<uint16_t>(52, 1); }),
       "52: call site flags 0x1 are not zero"},
      {"ReturnAddressOverflow",
       [] { return Serialize(OneFunction(UINT64_MAX - 4, {0x10})); },
       "48: return address overflows: function 0xfffffffffffffffb + offset 16"},
      {"LocationsOverrun", with([](Bytes &b) { b.patch<uint16_t>(54, 8); }),
       "54: 8 locations overrun the section"},
      {"LocationTypeZero", loc(Loc{0, 8, 7, 0}),
       "76: location 1 has invalid type 0 (expected 1..5)"},
      {"LocationTypeSix", loc(Loc{6, 8, 7, 0}),
       "76: location 1 has invalid type 6 (expected 1..5)"},
      {"LocationReserved", with([](Bytes &b) { b.patch<uint8_t>(56 + 12 * 3 + 1, 1); }),
       "92: reserved fields of location 3 are not zero"},
      {"LocationReserved2", with([](Bytes &b) { b.patch<uint16_t>(56 + 12 * 4 + 6, 1); }),
       "104: reserved fields of location 4 are not zero"},
      {"RegisterSizeZero", loc(Loc{GOSTACK_SM_REGISTER, 0, 3, 0}),
       "76: register location 1 has size 0 (expected 1..64)"},
      {"RegisterTooBig", loc(Loc{GOSTACK_SM_REGISTER, 65, 3, 0}),
       "76: register location 1 has size 65 (expected 1..64)"},
      {"DirectSize", loc(Loc{GOSTACK_SM_DIRECT, 4, 7, 8}),
       "76: direct location 1 has size 4 (expected 8, a pointer)"},
      {"IndirectSizeZero", loc(Loc{GOSTACK_SM_INDIRECT, 0, 7, 8}),
       "76: indirect location 1 has size 0"},
      {"ConstantSize", loc(Loc{GOSTACK_SM_CONSTANT, 4, 0, 1}),
       "76: constant location 1 has size 4 and register 0 (expected 8 and 0)"},
      {"ConstantRegister", loc(Loc{GOSTACK_SM_CONSTANT, 8, 7, 1}),
       "76: constant location 1 has size 8 and register 7 (expected 8 and 0)"},
      {"ConstantIndexOutOfRange", loc(Loc{GOSTACK_SM_CONSTANT_INDEX, 8, 0, 1}),
       "76: constant-index location 1 refers to constant 1 of 1"},
      {"ConstantIndexNegative", loc(Loc{GOSTACK_SM_CONSTANT_INDEX, 8, 0, -1}),
       "76: constant-index location 1 refers to constant -1 of 1"},
      {"DwarfRegister", loc(Loc{GOSTACK_SM_INDIRECT, 8, 130, 8}),
       "76: location 1 names DWARF register 130 (highest is 129)"},
      {"LocationPadding",
       [] {
         Bytes b = Serialize(Blob{{Fn{0x7000a00000, 8, {Rec{1, 4, {kZero}, {}}}}}, {}});
         b.patch<uint8_t>(69, 1);
         return b;
       },
       "68: padding after the locations is not zero"},
      {"LiveOutHeaderPadding",
       [] {
         Bytes b = Serialize(Blob{{Fn{0x7000a00000, 8, {Rec{1, 4, {kZero}, {}}}}}, {}});
         b.patch<uint16_t>(72, 1);
         return b;
       },
       "68: padding after the locations is not zero"},
      {"LiveOutsOverrun", with([](Bytes &b) { b.patch<uint16_t>(130, 3); }),
       "130: 3 live-outs overrun the section"},
      {"LiveOutInvalid",
       [] { return Serialize(Blob{{Fn{0x7000a00000, 8, {Rec{1, 4, {}, {{7, 0}}}}}}, {}}); },
       "60: live-out 0 (DWARF register 7, reserved 0, size 0) is invalid"},
      {"LiveOutPadding",
       [] {
         Bytes b =
             Serialize(Blob{{Fn{0x7000a00000, 8, {Rec{1, 4, {}, {{7, 8}, {3, 8}}}}}}, {}});
         b.patch<uint8_t>(69, 1);
         return b;
       },
       "68: padding after the live-outs is not zero"},
      {"TruncatedFinalPadding",
       [] {
         Bytes b =
             Serialize(Blob{{Fn{0x7000a00000, 8, {Rec{1, 4, {}, {{7, 8}, {3, 8}}}}}}, {}});
         b.b.resize(b.b.size() - 4);
         return b;
       },
       "68: call site record truncated in its final padding"},
      {"TruncatedRecord",
       [] {
         // Two records of 96 bytes; the second is cut 8 bytes in.
         Bytes b = Serialize(OneFunction(0x7000a00000, {0x10, 0x20}));
         b.b.resize(144);
         return b;
       },
       "136: truncated call site record"},
      {"TruncatedBeforeLiveOuts",
       [] {
         Bytes b = Serialize(OneFunction(0x7000a00000, {0x10, 0x20}));
         b.b.resize(136 + 16 + 72);
         return b;
       },
       "224: call site record truncated before its live-outs"},
  };
}

TEST(StackMapMalformed, ParserMessages) {
  for (const Malformed &m : MalformedCases())
    EXPECT_EQ(ParseError(m.make()), "at offset " + m.message) << m.name;
}

TEST(StackMapDeathTest, EveryMalformationIsFatalWithItsMessage) {
  NoSymbolizer();
  for (const Malformed &m : MalformedCases()) {
    Section s(m.make());
    EXPECT_EXIT(__gostack_register_module(s.begin(), s.end(), nullptr, nullptr),
                ExitedWithCode(2),
                "gostack: fatal: malformed stack map in <unknown module 0x[0-9a-f]+> at offset " +
                    Quote(m.message))
        << m.name;
  }
}

TEST(StackMapDeathTest, BadSectionBounds) {
  NoSymbolizer();
  alignas(8) static uint8_t buf[32];
  EXPECT_EXIT(__gostack_register_module(buf + 1, buf + 9, nullptr, nullptr), ExitedWithCode(2),
              "malformed stack map in .* at offset 0: section start 0x[0-9a-f]+ is not 8-byte "
              "aligned");
  EXPECT_EXIT(__gostack_register_module(buf + 16, buf + 8, nullptr, nullptr), ExitedWithCode(2),
              "at offset 0: section end 0x[0-9a-f]+ lies before its start");
  EXPECT_EXIT(__gostack_register_module(buf, nullptr, nullptr, nullptr), ExitedWithCode(2),
              "at offset 0: section bounds 0x[0-9a-f]+\\.\\.\\(nil\\) are inconsistent");
  EXPECT_EXIT(__gostack_register_module(nullptr, nullptr, buf, nullptr), ExitedWithCode(2),
              "malformed function info in .* at offset 0: section bounds");
}

TEST(StackMapDeathTest, MalformedFunctionInfo) {
  NoSymbolizer();
  struct Case {
    std::vector<uint64_t> words;
    size_t trim; // bytes cut off the end
    const char *message;
  } cases[] = {
      {{0x7000b00000, 0x40}, 0, "at offset 8: pointer argument mask 0x40 names registers "
                                "beyond r9"},
      {{0x7000b00000, uint64_t{0x80000001} << 32}, 0,
       "at offset 12: flags 0x80000001 mix the unknown-layout bit with stack slots"},
      {{0x7000b00000, 0x80000001}, 0, "at offset 8: unchecked-entry record describes "
                                      "arguments \\(mask 0x80000001, flags 0x0\\)"},
      {{0x7000b00000, (uint64_t{4} << 32) | 0x80000000}, 0,
       "at offset 8: unchecked-entry record describes arguments \\(mask 0x80000000, flags 0x4\\)"},
      {{0, 1}, 0, "at offset 0: function record with address 0"},
      {{0x7000b00000, 1, 0x7000b00010}, 0, "at offset 16: truncated function record \\(8 of 16 "
                                            "bytes\\)"},
      {{0x7000b00000, 1, 0}, 4, "at offset 16: 4 trailing bytes are not a whole 8-byte word"},
  };
  for (const Case &c : cases) {
    std::vector<uint64_t> w = c.words;
    const void *end = reinterpret_cast<const uint8_t *>(w.data() + w.size()) - c.trim;
    EXPECT_EXIT(__gostack_register_module(nullptr, nullptr, w.data(), end), ExitedWithCode(2),
                std::string("gostack: fatal: malformed function info in <unknown module "
                            "0x[0-9a-f]+> ") +
                    c.message)
        << c.message;
  }
  // A trailing zero word is padding.
  std::vector<uint64_t> ok = {0x7000b00000, 1, 0};
  char err[256];
  EXPECT_EQ(gostack_fninfo_parse(ok.data(), ok.data() + 3, nullptr, nullptr, err, sizeof err), 0)
      << err;
}

// ---- Concurrency --------------------------------------------------------------------------------

TEST(StackMap, LookupsRaceWithRegistration) {
  // A permanent module must be found by every lookup while other modules come and go. Records
  // of transient modules may only be compared with nullptr: a record is valid until its module
  // is unregistered, which here happens at any moment.
  Section stable(Serialize(OneFunction(0x7000c00000, {0x10, 0x20, 0x30})));
  __gostack_register_module(stable.begin(), stable.end(), nullptr, nullptr);
  Registered r{stable.begin()};
  std::vector<std::unique_ptr<Section>> transient;
  for (int i = 0; i < 8; i++)
    transient.push_back(std::make_unique<Section>(
        Serialize(OneFunction(0x7000d00000 + 0x1000 * i, {0x10, 0x20}))));
  constexpr int kReaders = 3;
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::atomic<long> errors{0}, lookups{0}, transient_hits{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; t++)
    readers.emplace_back([&] {
      long n = 0, hits = 0;
      started++;
      while (!stop.load(std::memory_order_relaxed)) {
        for (uintptr_t ra : {0x7000c00010ul, 0x7000c00020ul, 0x7000c00030ul}) {
          const gostack_sm_callsite *cs = gostack_stackmap_find(ra);
          if (!cs || cs->return_address != ra || cs->num_locations != 6 ||
              cs->locations[3].type != GOSTACK_SM_INDIRECT)
            errors++;
        }
        for (int i = 0; i < 8; i++)
          hits += gostack_stackmap_find(0x7000d00010 + 0x1000 * i) != nullptr;
        // Neither a miss between records nor one past the end may ever hit.
        if (gostack_stackmap_find(0x7000c00018) || gostack_stackmap_find(0x7000d08010))
          errors++;
        n++;
      }
      lookups += n;
      transient_hits += hits;
    });
  while (started.load() < kReaders)
    std::this_thread::yield();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  int rounds = 0;
  while (rounds < 50 || std::chrono::steady_clock::now() < deadline) {
    for (auto &s : transient)
      __gostack_register_module(s->begin(), s->end(), nullptr, nullptr);
    for (auto &s : transient)
      __gostack_unregister_module(s->begin());
    rounds++;
  }
  stop = true;
  for (auto &t : readers)
    t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(lookups.load(), 0);
  EXPECT_EQ(gostack_stackmap_find(0x7000d00010), nullptr);
  RecordProperty("lookups", std::to_string(lookups.load()));
  RecordProperty("transient_hits", std::to_string(transient_hits.load()));
}

TEST(StackMap, RegistrationWorksInAForkedChild) {
  Section a(Serialize(OneFunction(0x7000e00000, {0x10})));
  Section b(Serialize(OneFunction(0x7000e01000, {0x10})));
  __gostack_register_module(a.begin(), a.end(), nullptr, nullptr);
  Registered r{a.begin()};
  // A thread doing lookups while we fork: the child must not inherit its reader count.
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed))
      gostack_stackmap_find(0x7000e00010);
  });
  pid_t pid = fork();
  if (pid == 0) {
    __gostack_register_module(b.begin(), b.end(), nullptr, nullptr);
    bool ok = gostack_stackmap_find(0x7000e01010) && gostack_stackmap_find(0x7000e00010);
    __gostack_unregister_module(b.begin());
    _exit(ok && !gostack_stackmap_find(0x7000e01010) ? 0 : 1);
  }
  stop = true;
  reader.join();
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

} // namespace
