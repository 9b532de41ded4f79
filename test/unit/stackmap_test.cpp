// Stack maps (runtime/stackmap.c): the StackMap v3 parser on hand-built blobs, registration of
// modules (idempotence, several blobs with linker padding, several modules, unregistration,
// function info), lookups (hits, misses, concurrency with registration, fork).
#include "stackmap_test_util.h"

namespace {

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

} // namespace
