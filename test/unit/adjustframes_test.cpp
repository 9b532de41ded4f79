// The precise relocation walk (adjustframes.c) over a synthetic moved stack: frames chained by
// their frame records, call sites registered as stack maps (stackmap.c), the task's base at the
// end. Exactly the described words move: recorded slots from SP and from the frame pointer,
// va_list records, the saved frame pointers; and a frame without a usable map is fatal.
extern "C" {
#include "adjustframes.h"
}

#include "stackmap_test_util.h"

extern "C" char __gostack_task_fn_ret[]; // the return address that ends every task's walk

namespace {

constexpr uintptr_t kFn = 0x7000a00000;
constexpr uintptr_t kSiteSp = kFn + 0x10;    // two SP-relative slots: [sp], [sp + 8]
constexpr uintptr_t kSiteFp = kFn + 0x20;    // [fp - 16], [fp - 8], a va_list at fp - 48
constexpr uintptr_t kSiteEmpty = kFn + 0x30; // nothing live
constexpr uintptr_t kSiteReg = kFn + 0x40;   // a pointer in a register: unusable

Blob Maps() {
  Loc sp0{GOSTACK_SM_INDIRECT, 8, 7, 0}, sp8{GOSTACK_SM_INDIRECT, 8, 7, 8};
  Loc fm16{GOSTACK_SM_INDIRECT, 8, 6, -16}, fm8{GOSTACK_SM_INDIRECT, 8, 6, -8};
  Loc two{GOSTACK_SM_CONSTANT, 8, 0, 2}, one{GOSTACK_SM_CONSTANT, 8, 0, 1};
  Loc valist{GOSTACK_SM_DIRECT, 8, 6, -48}, reg{GOSTACK_SM_REGISTER, 8, 3, 0};
  Fn f{kFn, 64, {}};
  f.recs.push_back(Rec{1, 0x10, {kZero, kZero, kZero, sp0, sp8}, {}});
  f.recs.push_back(Rec{2, 0x20, {kZero, kZero, two, one, valist, fm16, fm8}, {}});
  f.recs.push_back(Rec{3, 0x30, {kZero, kZero, kZero}, {}});
  f.recs.push_back(Rec{4, 0x40, {kZero, kZero, kZero, reg}, {}});
  return Blob{{f}, {}};
}

// An old stack and its copy. Frame i (word indices) has its frame record at fp[i]; the frame
// above it starts at fp[i] + 2 (its SP at the call).
struct Stack {
  static constexpr size_t kWords = 512;
  alignas(16) uintptr_t old_words[kWords] = {};
  alignas(16) uintptr_t new_words[kWords] = {};
  uintptr_t old_at(size_t i) const { return reinterpret_cast<uintptr_t>(&old_words[i]); }
  uintptr_t new_at(size_t i) const { return reinterpret_cast<uintptr_t>(&new_words[i]); }
  gostack_move Move(gostack_move_stats *stats) const {
    return gostack_move{old_at(0), old_at(kWords), new_at(0), new_at(kWords),
                        static_cast<intptr_t>(new_at(0) - old_at(0)), 7, stats};
  }
  // Chains frames at the given indices, each suspended at the given call site; the last one
  // returns into the task's base.
  void Chain(const std::vector<size_t> &fp, const std::vector<uintptr_t> &ra) {
    for (size_t i = 0; i < fp.size(); i++) {
      old_words[fp[i]] = i + 1 < fp.size() ? old_at(fp[i + 1]) : 0;
      old_words[fp[i] + 1] =
          i + 1 < ra.size() ? ra[i + 1] : reinterpret_cast<uintptr_t>(__gostack_task_fn_ret);
    }
  }
  void Copy() { memcpy(new_words, old_words, sizeof old_words); }
};

// Frames: 0 at SP 100 / fp 120 (kSiteSp), 1 at SP 122 / fp 160 (kSiteFp), 2 at SP 162 / fp 200
// (kSiteEmpty), 3 and 4 at fp 240 and 280 (kSiteSp twice: recursion repeats a return address).
const std::vector<size_t> kFps = {120, 160, 200, 240, 280};
const std::vector<uintptr_t> kRas = {kSiteSp, kSiteFp, kSiteEmpty, kSiteSp, kSiteSp};

void Fill(Stack &s) {
  s.Chain(kFps, kRas);
  // Described words: pointers into the old stack (first and last byte included), a heap
  // pointer, old_hi (never an object), a va_list's two pointers.
  s.old_words[100] = s.old_at(300);
  s.old_words[101] = 0x5000; // not a stack address
  s.old_words[158] = s.old_at(0);
  s.old_words[159] = s.old_at(Stack::kWords) - 1;
  s.old_words[154] = 0x0000003000000008; // va_list gp/fp offsets: not pointers
  s.old_words[155] = s.old_at(400);      // overflow_arg_area
  s.old_words[156] = s.old_at(170);      // reg_save_area
  s.old_words[202] = s.old_at(Stack::kWords);
  s.old_words[203] = s.old_at(250);
  s.old_words[242] = s.old_at(260);
  // Words no map describes keep their value, even when it looks like a stack address.
  s.old_words[102] = s.old_at(300);
  s.old_words[157] = s.old_at(10);
  s.old_words[170] = s.old_at(20);
  s.Copy();
}

class AdjustFrames : public testing::Test {
protected:
  void SetUp() override {
    NoSymbolizer();
    section_ = std::make_unique<Section>(Serialize(Maps()));
    __gostack_register_module(section_->begin(), section_->end(), nullptr, nullptr);
  }
  void TearDown() override { __gostack_unregister_module(section_->begin()); }
  std::unique_ptr<Section> section_;
};

TEST_F(AdjustFrames, MovesExactlyTheDescribedWords) {
  for (bool count : {true, false}) {
    Stack s;
    Fill(s);
    gostack_move_stats stats = {0, 0, 0};
    gostack_move mv = s.Move(count ? &stats : nullptr);
    gostack_adjust_frames(&mv, kRas[0], s.new_at(100), s.new_at(kFps[0]));
    EXPECT_EQ(s.new_words[100], s.new_at(300));
    EXPECT_EQ(s.new_words[101], 0x5000u);
    EXPECT_EQ(s.new_words[158], s.new_at(0));
    EXPECT_EQ(s.new_words[159], s.new_at(Stack::kWords) - 1);
    EXPECT_EQ(s.new_words[154], 0x0000003000000008u);
    EXPECT_EQ(s.new_words[155], s.new_at(400));
    EXPECT_EQ(s.new_words[156], s.new_at(170));
    EXPECT_EQ(s.new_words[202], s.old_at(Stack::kWords));
    EXPECT_EQ(s.new_words[203], s.new_at(250));
    EXPECT_EQ(s.new_words[242], s.new_at(260));
    EXPECT_EQ(s.new_words[102], s.old_at(300));
    EXPECT_EQ(s.new_words[157], s.old_at(10));
    EXPECT_EQ(s.new_words[170], s.old_at(20));
    // The frame-pointer chain runs through the new stack; return addresses are untouched.
    for (size_t i = 0; i + 1 < kFps.size(); i++) {
      EXPECT_EQ(s.new_words[kFps[i]], s.new_at(kFps[i + 1])) << i;
      EXPECT_EQ(s.new_words[kFps[i] + 1], kRas[i + 1]) << i;
    }
    EXPECT_EQ(s.new_words[kFps.back()], 0u);
    // 7 slot words and 4 frame pointers pointed into the old stack.
    if (count)
      EXPECT_EQ(stats.adjusted, 11u);
    // A second pass finds nothing left to move (what GOSTACK_DEBUG=verifymove relies on).
    gostack_move_stats again = {0, 0, 0};
    mv.stats = &again;
    gostack_adjust_frames(&mv, kRas[0], s.new_at(100), s.new_at(kFps[0]));
    EXPECT_EQ(again.adjusted, 0u);
  }
}

TEST_F(AdjustFrames, TheFirstFrameCanBeTheTasksBase) {
  Stack s;
  s.Copy();
  gostack_move_stats stats = {0, 0, 0};
  gostack_move mv = s.Move(&stats);
  gostack_adjust_frames(&mv, reinterpret_cast<uintptr_t>(__gostack_task_fn_ret), s.new_at(100),
                        s.new_at(120));
  EXPECT_EQ(stats.adjusted, 0u);
}

TEST_F(AdjustFrames, AFrameWithoutAMapIsFatal) {
  Stack s;
  std::vector<uintptr_t> ras = kRas;
  ras[2] = kFn + 0x28; // no call site there
  s.Chain(kFps, ras);
  s.Copy();
  gostack_move mv = s.Move(nullptr);
  EXPECT_EXIT(gostack_adjust_frames(&mv, ras[0], s.new_at(100), s.new_at(kFps[0])),
              ExitedWithCode(2), "no stack map for this frame at return address 0x7000a00028");
}

TEST_F(AdjustFrames, ARecordAMoveCannotUseIsFatalWithItsReason) {
  Stack s;
  std::vector<uintptr_t> ras = kRas;
  ras[3] = kSiteReg;
  s.Chain(kFps, ras);
  s.Copy();
  gostack_move mv = s.Move(nullptr);
  EXPECT_EXIT(gostack_adjust_frames(&mv, ras[0], s.new_at(100), s.new_at(kFps[0])),
              ExitedWithCode(2), "live pointer kept in a register across a call");
}

TEST_F(AdjustFrames, ABrokenFramePointerChainIsFatal) {
  // Below its SP; a frame record that would end past the stack; past the stack.
  for (size_t bad : {size_t{110}, Stack::kWords - 1, Stack::kWords + 8}) {
    Stack s;
    s.Chain(kFps, kRas);
    s.old_words[kFps[1]] = s.old_at(bad);
    s.Copy();
    gostack_move mv = s.Move(nullptr);
    EXPECT_EXIT(gostack_adjust_frames(&mv, kRas[0], s.new_at(100), s.new_at(kFps[0])),
                ExitedWithCode(2), "broken frame-pointer chain");
  }
}

} // namespace
