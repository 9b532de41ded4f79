// Call sites decoded for stack moves (stackmap_parse.c, gostack_sm_decode_frame) and the move's
// lookups (stackmap.c: the per-snapshot hash table behind gostack_stackmap_walk_*): what a
// statepoint record turns into, the errors a move reports instead, lookups across many sites
// and modules, and lookups racing registration.
#include "stackmap_test_util.h"

#include <algorithm>
#include <set>

namespace {

// Location shorthands (x86-64 DWARF: 6 = RBP, 7 = RSP).
gostack_sm_location L(uint8_t type, uint16_t size, uint16_t reg, int32_t offset) {
  return gostack_sm_location{type, 0, size, reg, 0, offset};
}
gostack_sm_location Const(int32_t v) { return L(GOSTACK_SM_CONSTANT, 8, 0, v); }
gostack_sm_location SpSlot(int32_t off, uint16_t size = 8) {
  return L(GOSTACK_SM_INDIRECT, size, 7, off);
}
gostack_sm_location FpSlot(int32_t off, uint16_t size = 8) {
  return L(GOSTACK_SM_INDIRECT, size, 6, off);
}
gostack_sm_location FpObject(int32_t off) { return L(GOSTACK_SM_DIRECT, 8, 6, off); }
gostack_sm_location SpObject(int32_t off) { return L(GOSTACK_SM_DIRECT, 8, 7, off); }

// A decoded frame, as plain vectors.
struct Decoded {
  uint32_t error = 0;
  std::vector<int32_t> sp, fp;
};

Decoded Decode(std::vector<gostack_sm_location> locs, std::vector<uint64_t> constants = {}) {
  gostack_sm_callsite cs{};
  cs.num_locations = static_cast<uint32_t>(locs.size());
  cs.locations = locs.data();
  cs.constants = constants.data();
  cs.num_constants = static_cast<uint32_t>(constants.size());
  // First ask how much room, then decode into exactly that much (guarded on both sides).
  gostack_sm_frame probe;
  size_t need = gostack_sm_decode_frame(&cs, &probe, 0);
  std::vector<uint32_t> buf(sizeof(gostack_sm_frame) / 4 + need + 1, 0xdeadbeef);
  auto *f = reinterpret_cast<gostack_sm_frame *>(buf.data());
  size_t n = gostack_sm_decode_frame(&cs, f, need);
  EXPECT_LE(n, need);
  EXPECT_EQ(buf.back(), 0xdeadbeefu) << "wrote past the room it was given";
  Decoded d;
  d.error = f->error;
  EXPECT_EQ(f->num_sp + f->num_fp, n);
  const int32_t *off = gostack_sm_frame_offsets(f);
  d.sp.assign(off, off + f->num_sp);
  d.fp.assign(off + f->num_sp, off + n);
  EXPECT_EQ(probe.error, f->error);
  return d;
}

using V = std::vector<int32_t>;

TEST(StackMapFrame, SpillSlotsSortedByBase) {
  Decoded d = Decode({Const(0), Const(0), Const(0), SpSlot(24), FpSlot(-8), SpSlot(8),
                      FpSlot(-24), SpSlot(16)});
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.sp, (V{8, 16, 24}));
  EXPECT_EQ(d.fp, (V{-24, -8}));
}

TEST(StackMapFrame, WhatNeedsNoUpdateIsLeftOut) {
  // Allocas (Direct: recomputed from the frame after the call) and constants (null pointers).
  Decoded d = Decode({Const(0), Const(0), Const(0), SpObject(32), FpObject(-16), Const(0),
                      L(GOSTACK_SM_CONSTANT_INDEX, 8, 0, 0), SpSlot(40)},
                     {0x1234});
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.sp, (V{40}));
  EXPECT_TRUE(d.fp.empty());
  d = Decode({Const(0), Const(0), Const(0)}); // a call with nothing live
  EXPECT_EQ(d.error, 0u);
  EXPECT_TRUE(d.sp.empty() && d.fp.empty());
}

TEST(StackMapFrame, VectorSlotsAreOneWordEachAndShortSlotsNone) {
  Decoded d = Decode({Const(0), Const(0), Const(0), FpSlot(-64, 32), SpSlot(0, 4),
                      SpSlot(16, 12)});
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.fp, (V{-64, -56, -48, -40}));
  EXPECT_EQ(d.sp, (V{16})); // 12 bytes: one whole word; 4 bytes: none
}

TEST(StackMapFrame, WordsListedTwiceAreAdjustedOnce) {
  // A base and a derived pointer in one slot, and overlapping vector slots.
  Decoded d = Decode({Const(0), Const(0), Const(0), SpSlot(8), SpSlot(8), FpSlot(-32, 16),
                      FpSlot(-24, 16)});
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.sp, (V{8}));
  EXPECT_EQ(d.fp, (V{-32, -24, -16}));
}

TEST(StackMapFrame, ManyWordsSortedAndUnique) {
  // Vectors listed out of order and overlapping: more words than the small-list sort takes.
  Decoded d = Decode({Const(0), Const(0), Const(0), FpSlot(-256, 128), SpSlot(80, 80),
                      FpSlot(-400, 256), SpSlot(0, 96), FpSlot(-8)});
  EXPECT_EQ(d.error, 0u);
  V sp, fp;
  for (int32_t o = 0; o < 160; o += 8)
    sp.push_back(o);
  for (int32_t o = -400; o < -144; o += 8)
    fp.push_back(o);
  for (int32_t o = -144; o < -128; o += 8)
    fp.push_back(o);
  fp.push_back(-8);
  EXPECT_EQ(d.sp, sp);
  EXPECT_EQ(d.fp, fp);
}

TEST(StackMapFrame, RuntimeRecords) {
  // Deopt operands: (tag, object) pairs. A va_list's pointers are its words 1 and 2; a slot
  // record is one word. Tags may come from the constant pool.
  Decoded d = Decode({Const(0), Const(0), Const(4), Const(1), FpObject(-48),
                      L(GOSTACK_SM_CONSTANT_INDEX, 8, 0, 0), SpObject(24), SpSlot(0)},
                     {2});
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.fp, (V{-40, -32}));
  EXPECT_EQ(d.sp, (V{0, 24}));
  // An odd deopt count: the last operand has no partner and is not a record.
  d = Decode({Const(0), Const(0), Const(1), Const(7), SpSlot(8)});
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.sp, (V{8}));
}

TEST(StackMapFrame, RecordsAMoveCannotUse) {
  auto err = [](std::vector<gostack_sm_location> locs) { return Decode(std::move(locs)).error; };
  EXPECT_EQ(err({Const(0), Const(0)}), unsigned{GOSTACK_SM_FRAME_NOT_STATEPOINT});
  EXPECT_EQ(err({}), unsigned{GOSTACK_SM_FRAME_NOT_STATEPOINT});
  EXPECT_EQ(err({Const(0), Const(0), Const(2), Const(1)}),
            unsigned{GOSTACK_SM_FRAME_BAD_DEOPT_COUNT});
  EXPECT_EQ(err({Const(0), Const(0), Const(2), Const(1), SpSlot(8)}),
            unsigned{GOSTACK_SM_FRAME_RECORD_NOT_OBJECT});
  EXPECT_EQ(err({Const(0), Const(0), Const(2), Const(3), SpObject(8)}),
            unsigned{GOSTACK_SM_FRAME_UNKNOWN_RECORD});
  EXPECT_EQ(err({Const(0), Const(0), Const(2), SpSlot(0), SpObject(8)}),
            unsigned{GOSTACK_SM_FRAME_UNKNOWN_RECORD}); // a tag that is not a constant
  EXPECT_EQ(err({Const(0), Const(0), Const(0), L(GOSTACK_SM_INDIRECT, 8, 3, 8)}),
            unsigned{GOSTACK_SM_FRAME_BAD_BASE});
  EXPECT_EQ(err({Const(0), Const(0), Const(2), Const(1), L(GOSTACK_SM_DIRECT, 8, 0, 8)}),
            unsigned{GOSTACK_SM_FRAME_BAD_BASE});
  EXPECT_EQ(err({Const(0), Const(0), Const(0), SpSlot(8), L(GOSTACK_SM_REGISTER, 8, 3, 0)}),
            unsigned{GOSTACK_SM_FRAME_POINTER_IN_REGISTER});
  EXPECT_EQ(err({Const(0), Const(0), Const(2), Const(1), FpObject(INT32_MAX - 8)}),
            unsigned{GOSTACK_SM_FRAME_OFFSET_RANGE});
  EXPECT_EQ(err({Const(0), Const(0), Const(0), SpSlot(INT32_MAX - 15, 32)}),
            unsigned{GOSTACK_SM_FRAME_OFFSET_RANGE});
  // Every error has its own message; none is empty.
  std::set<std::string> messages;
  for (uint32_t e = GOSTACK_SM_FRAME_NOT_STATEPOINT; e <= GOSTACK_SM_FRAME_OFFSET_RANGE; e++) {
    std::string m = gostack_sm_frame_error_string(e);
    EXPECT_FALSE(m.empty());
    messages.insert(m);
  }
  EXPECT_EQ(messages.size(), size_t{GOSTACK_SM_FRAME_OFFSET_RANGE});
}

TEST(StackMapFrame, TooLittleRoomWritesNothingPastTheHeader) {
  std::vector<gostack_sm_location> locs = {Const(0), Const(0), Const(0), SpSlot(8), FpSlot(-8),
                                           SpSlot(16)};
  gostack_sm_callsite cs{};
  cs.num_locations = static_cast<uint32_t>(locs.size());
  cs.locations = locs.data();
  for (size_t room = 0; room < 3; room++) {
    std::vector<uint32_t> buf(sizeof(gostack_sm_frame) / 4 + 3, 0xdeadbeef);
    auto *f = reinterpret_cast<gostack_sm_frame *>(buf.data());
    EXPECT_EQ(gostack_sm_decode_frame(&cs, f, room), 3u) << room;
    for (size_t i = sizeof(gostack_sm_frame) / 4 + room; i < buf.size(); i++)
      EXPECT_EQ(buf[i], 0xdeadbeefu) << room;
  }
}

// ---- Registered frames and the move's lookups ---------------------------------------------------

const gostack_sm_frame *WalkFind(uintptr_t ra) {
  gostack_sm_walk w;
  gostack_stackmap_walk_begin(&w);
  const gostack_sm_frame *f = gostack_stackmap_walk_find(&w, ra);
  gostack_stackmap_walk_end(&w);
  return f;
}

TEST(StackMapWalk, FindsTheDecodedFrameOfEveryCallSite) {
  Loc sp8{GOSTACK_SM_INDIRECT, 8, 7, 8}, fp16{GOSTACK_SM_INDIRECT, 8, 6, -16};
  Loc reg{GOSTACK_SM_REGISTER, 8, 3, 0};
  Fn f{0x7000700000, 64, {}};
  f.recs.push_back(Rec{1, 0x10, {kZero, kZero, kZero, sp8, fp16}, {}});
  f.recs.push_back(Rec{2, 0x20, {kZero, kZero, kZero}, {}});
  f.recs.push_back(Rec{3, 0x30, {kZero, kZero, kZero, reg}, {}}); // a move cannot use it
  f.recs.push_back(Rec{4, 0x40, {kZero}, {}});                      // not a statepoint
  Section s(Serialize(Blob{{f}, {}}));
  __gostack_register_module(s.begin(), s.end(), nullptr, nullptr);
  Registered r{s.begin()};

  const gostack_sm_frame *a = WalkFind(0x7000700010);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, gostack_stackmap_find(0x7000700010)->frame);
  ASSERT_EQ(a->num_sp, 1u);
  ASSERT_EQ(a->num_fp, 1u);
  EXPECT_EQ(gostack_sm_frame_offsets(a)[0], 8);
  EXPECT_EQ(gostack_sm_frame_offsets(a)[1], -16);
  const gostack_sm_frame *b = WalkFind(0x7000700020);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->num_sp + b->num_fp, 0u);
  // Records with errors are not in the table: the walk's slow path asks gostack_stackmap_find.
  EXPECT_EQ(WalkFind(0x7000700030), nullptr);
  EXPECT_EQ(gostack_stackmap_find(0x7000700030)->frame->error,
            unsigned{GOSTACK_SM_FRAME_POINTER_IN_REGISTER});
  EXPECT_EQ(WalkFind(0x7000700040), nullptr);
  EXPECT_EQ(gostack_stackmap_find(0x7000700040)->frame->error,
            unsigned{GOSTACK_SM_FRAME_NOT_STATEPOINT});
  for (uintptr_t ra : {0ul, 0x7000700000ul, 0x700070000ful, 0x7000700011ul, UINTPTR_MAX})
    EXPECT_EQ(WalkFind(ra), nullptr) << std::hex << ra;
}

TEST(StackMapWalk, ManySitesAndModules) {
  // Enough sites to fill a table with collisions and probe runs, in two modules whose return
  // addresses interleave; every site is found, nothing else is.
  std::vector<std::unique_ptr<Section>> sections;
  std::set<uintptr_t> ras;
  for (uint64_t m = 0; m < 2; m++) {
    Blob blob;
    for (uint64_t fn = 0; fn < 40; fn++) {
      Fn f{0x7000800000 + fn * 0x1000 + m * 0x800, 8 * (fn + 2), {}};
      for (uint32_t k = 0; k < 50; k++) {
        int32_t off = static_cast<int32_t>(8 * (k % 7));
        f.recs.push_back(Rec{k, 5 + 13 * k, {kZero, kZero, kZero, {GOSTACK_SM_INDIRECT, 8, 7, off}},
                             {}});
        ras.insert(f.addr + 5 + 13 * k);
      }
      blob.fns.push_back(f);
    }
    sections.push_back(std::make_unique<Section>(Serialize(blob)));
    __gostack_register_module(sections.back()->begin(), sections.back()->end(), nullptr, nullptr);
  }
  auto check = [&](const std::set<uintptr_t> &present, const std::set<uintptr_t> &absent) {
    gostack_sm_walk w;
    gostack_stackmap_walk_begin(&w);
    for (uintptr_t ra : present) {
      const gostack_sm_frame *f = gostack_stackmap_walk_find(&w, ra);
      ASSERT_NE(f, nullptr) << std::hex << ra;
      ASSERT_EQ(f->num_sp, 1u);
      int32_t k = static_cast<int32_t>(((ra & 0x7ff) - 5) / 13); // the record's index
      EXPECT_EQ(gostack_sm_frame_offsets(f)[0], 8 * (k % 7));
    }
    for (uintptr_t ra : absent)
      EXPECT_EQ(gostack_stackmap_walk_find(&w, ra), nullptr) << std::hex << ra;
    gostack_stackmap_walk_end(&w);
  };
  std::set<uintptr_t> near; // addresses next to the sites
  for (uintptr_t ra : ras)
    for (uintptr_t x : {ra - 1, ra + 1})
      if (!ras.count(x))
        near.insert(x);
  check(ras, near);
  // Without the first module: its sites are gone, the second's stay.
  __gostack_unregister_module(sections[0]->begin());
  std::set<uintptr_t> first, second;
  for (uintptr_t ra : ras)
    ((ra & 0x800) ? second : first).insert(ra);
  check(second, first);
  __gostack_unregister_module(sections[1]->begin());
  check({}, ras);
}

TEST(StackMapWalk, LookupsRaceRegistration) {
  // Walks on other threads while modules come and go (dlopen/dlclose): a walk sees either
  // snapshot, never freed memory, and the permanently registered module's sites always.
  Section keep(Serialize(OneFunction(0x7000900000, {0x10, 0x20, 0x30})));
  Section toggled(Serialize(OneFunction(0x7000910000, {0x10, 0x20})));
  __gostack_register_module(keep.begin(), keep.end(), nullptr, nullptr);
  Registered r{keep.begin()};
  std::atomic<bool> stop{false};
  std::atomic<long> walks{0}, missing{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; t++)
    readers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        gostack_sm_walk w;
        gostack_stackmap_walk_begin(&w);
        for (uintptr_t ra : {0x7000900010ul, 0x7000900020ul, 0x7000900030ul}) {
          const gostack_sm_frame *f = gostack_stackmap_walk_find(&w, ra);
          if (!f || f->num_sp != 1)
            missing++;
        }
        for (uintptr_t ra : {0x7000910010ul, 0x7000910020ul}) {
          const gostack_sm_frame *f = gostack_stackmap_walk_find(&w, ra);
          if (f && f->num_sp != 1) // present: then complete (kSpill twice + kAlloca -> [16])
            missing++;
        }
        gostack_stackmap_walk_end(&w);
        walks++;
      }
    });
  for (int i = 0; i < 300; i++) {
    __gostack_register_module(toggled.begin(), toggled.end(), nullptr, nullptr);
    __gostack_unregister_module(toggled.begin());
  }
  while (walks.load() < 1000)
    std::this_thread::yield();
  stop = true;
  for (auto &t : readers)
    t.join();
  EXPECT_EQ(missing.load(), 0);
}

} // namespace
