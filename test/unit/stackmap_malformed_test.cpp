// Stack maps (runtime/stackmap.c): one death test per class of malformed data with its message.
#include "stackmap_test_util.h"

namespace {

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
