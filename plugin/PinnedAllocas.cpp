//===- PinnedAllocas.cpp - keep escaping locals off the moving stack ------===//
//
// The relocation invariant (docs/design.md) allows pointers into a moving
// stack only where the runtime can find them. A local whose address may be
// captured -- stored to memory, passed to a callee that may keep it, turned
// into an integer, anything CaptureTracking cannot rule out -- could end up
// in the heap, a global or another thread, where no move would fix it. Such a
// local is *pinned*: placed in the task's pinned area, which never moves. The
// model is SafeStack's unsafe stack:
//
//   entry:  sp0 = pinned_sp; lim0 = pinned_limit           (TLS)
//           if (sp0 - lim0 >= size + align) base = align(sp0 - size)
//           else base = __gostack_pinned_grow(size, align)  (new chunk)
//           pinned_sp = base; sp1/lim1 = the new state
//           locals = base + offset
//   ret:    pinned_sp = sp0; pinned_limit = lim0
//   landingpad, after setjmp returns: pinned_sp = sp1; pinned_limit = lim1
//
// The area is LIFO: a function that unwinds without a landing pad leaves its
// part allocated until the catching frame (or the task's end) restores an
// older state. Chunks are owned by the task (runtime/pinned.c).
//
// Not pinned: va_list objects (their contents point into the moving stack by
// ABI and are relocated with it; docs/design.md lists this exception) and
// allocas whose address provably does not escape.
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"

#include "llvm/Analysis/CaptureTracking.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/IR/DebugInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace gostack {
namespace {

/// Every pinned frame is at least this aligned: keeps the area's top aligned
/// for the SSE spills the backend may use on pinned aggregates.
constexpr uint64_t MinPinnedAlign = 16;

} // namespace

bool isVaList(const AllocaInst &AI) {
  // clang passes the va_list through an array-decay GEP (at -O0 always).
  SmallVector<const Value *, 4> Work{&AI};
  while (!Work.empty()) {
    const Value *V = Work.pop_back_val();
    for (const User *U : V->users()) {
      if (const auto *II = dyn_cast<IntrinsicInst>(U)) {
        if ((II->getIntrinsicID() == Intrinsic::vastart ||
             II->getIntrinsicID() == Intrinsic::vacopy) &&
            II->getArgOperand(0) == V)
          return true;
      } else if (const auto *GEP = dyn_cast<GetElementPtrInst>(U)) {
        if (GEP->hasAllZeroIndices())
          Work.push_back(GEP);
      }
    }
  }
  return false;
}

namespace {

bool mustPin(const AllocaInst &AI) {
  if (AI.isSwiftError() || AI.isUsedWithInAlloca() || isVaList(AI))
    return false;
  return PointerMayBeCaptured(&AI, /*ReturnCaptures=*/true,
                              /*StoreCaptures=*/true);
}

GlobalVariable *getTLS(Module &M, StringRef Name) {
  if (auto *GV = M.getNamedGlobal(Name))
    return GV;
  auto *GV = new GlobalVariable(M, PointerType::getUnqual(M.getContext()),
                                /*isConstant=*/false,
                                GlobalValue::ExternalLinkage, nullptr, Name,
                                nullptr, GlobalValue::InitialExecTLSModel);
  return GV;
}

struct PinnedState {
  Value *SP;
  Value *Limit;
};

/// Stands for the address of a pinned-state TLS variable until
/// lowerThreadAddresses turns it into inline asm after RS4GC has run. RS4GC
/// cannot handle the asm: it treats the InlineAsm callee as a pointer that is
/// live across every earlier call, and crashes.
constexpr StringLiteral ThreadAddressPlaceholder = "__gostack.thread_address";

Value *threadAddress(IRBuilder<> &B, GlobalVariable *Var) {
  Module &M = *B.GetInsertBlock()->getModule();
  FunctionCallee Placeholder = M.getOrInsertFunction(
      ThreadAddressPlaceholder, B.getPtrTy(), Var->getType());
  CallInst *CI = B.CreateCall(Placeholder, {Var});
  CI->setDoesNotThrow();
  return CI;
}

void storeState(IRBuilder<> &B, GlobalVariable *SPVar, GlobalVariable *LimVar,
                PinnedState S) {
  B.CreateStore(S.SP, threadAddress(B, SPVar));
  B.CreateStore(S.Limit, threadAddress(B, LimVar));
}

PinnedState loadState(IRBuilder<> &B, GlobalVariable *SPVar,
                      GlobalVariable *LimVar) {
  Type *Ptr = B.getPtrTy();
  return {B.CreateLoad(Ptr, threadAddress(B, SPVar), "pinned.sp"),
          B.CreateLoad(Ptr, threadAddress(B, LimVar), "pinned.limit")};
}

/// The source name of a local for remarks: its debug-info variable when
/// there is one (clang discards IR value names), else the IR name.
std::string localName(Value &V) {
  if (auto *AI = dyn_cast<AllocaInst>(&V)) {
    for (DbgVariableRecord *DVR : findDVRDeclares(AI))
      return DVR->getVariable()->getName().str();
    for (DbgDeclareInst *DDI : findDbgDeclares(AI))
      return DDI->getVariable()->getName().str();
  }
  if (V.hasName())
    return V.getName().str();
  return "<unnamed>";
}

bool isStackRestore(const User *U) {
  auto *II = dyn_cast<IntrinsicInst>(U);
  return II && II->getIntrinsicID() == Intrinsic::stackrestore;
}

/// The stackrestores that restore \p Save: direct uses, or (at -O0) loads of
/// a local that only ever holds this save.
SmallVector<IntrinsicInst *, 4> restoresOf(IntrinsicInst &Save) {
  SmallVector<IntrinsicInst *, 4> Out;
  for (User *U : Save.users()) {
    if (isStackRestore(U)) {
      Out.push_back(cast<IntrinsicInst>(U));
      continue;
    }
    auto *St = dyn_cast<StoreInst>(U);
    auto *Slot = St ? dyn_cast<AllocaInst>(St->getPointerOperand()) : nullptr;
    if (!Slot || St->getValueOperand() != &Save)
      continue;
    bool OnlyThisSave = all_of(Slot->users(), [&](User *SU) {
      auto *S = dyn_cast<StoreInst>(SU);
      return !S || S->getValueOperand() == &Save;
    });
    if (!OnlyThisSave)
      continue;
    for (User *SU : Slot->users())
      if (auto *L = dyn_cast<LoadInst>(SU))
        for (User *LU : L->users())
          if (isStackRestore(LU))
            Out.push_back(cast<IntrinsicInst>(LU));
  }
  return Out;
}

} // namespace

unsigned pinCapturedAllocas(Function &F, OptimizationRemarkEmitter &ORE) {
  SmallVector<AllocaInst *, 8> Static, Dynamic;
  for (Instruction &I : instructions(F))
    if (auto *AI = dyn_cast<AllocaInst>(&I); AI && mustPin(*AI))
      (AI->isStaticAlloca() ? Static : Dynamic).push_back(AI);
  // byval parameters live in the caller's outgoing area, on the moving
  // stack: an escaping one is copied into the pinned frame.
  SmallVector<Argument *, 2> ByVal;
  for (Argument &A : F.args())
    if (A.hasByValAttr() &&
        PointerMayBeCaptured(&A, /*ReturnCaptures=*/true,
                             /*StoreCaptures=*/true))
      ByVal.push_back(&A);
  if (Static.empty() && Dynamic.empty() && ByVal.empty())
    return 0;

  Module &M = *F.getParent();
  LLVMContext &Ctx = M.getContext();
  const DataLayout &DL = M.getDataLayout();
  GlobalVariable *SPVar = getTLS(M, rt::PinnedSP);
  GlobalVariable *LimVar = getTLS(M, rt::PinnedLimit);
  Type *I64 = Type::getInt64Ty(Ctx);
  Type *Ptr = PointerType::getUnqual(Ctx);
  FunctionCallee Grow = M.getOrInsertFunction(
      rt::PinnedGrow, FunctionType::get(Ptr, {I64, I64}, false));

  // Frame layout: each object at an offset aligned for it.
  struct Slot {
    Value *Orig; // alloca or byval argument
    Type *Ty;
    uint64_t Size, Offset;
    Align Alignment;
  };
  SmallVector<Slot, 8> Slots;
  uint64_t FrameSize = 0;
  Align FrameAlign(MinPinnedAlign);
  auto Place = [&](Value *Orig, Type *Ty, uint64_t Size, Align A) {
    FrameSize = alignTo(FrameSize, A);
    Slots.push_back({Orig, Ty, Size, FrameSize, A});
    FrameSize += std::max<uint64_t>(Size, 1);
    FrameAlign = std::max(FrameAlign, A);
  };
  for (AllocaInst *AI : Static)
    Place(AI, AI->getAllocatedType(), *AI->getAllocationSize(DL),
          AI->getAlign());
  for (Argument *A : ByVal) {
    Type *Ty = A->getParamByValType();
    Place(A, Ty, DL.getTypeAllocSize(Ty),
          A->getParamAlign().value_or(DL.getABITypeAlign(Ty)));
  }
  FrameSize = alignTo(FrameSize, FrameAlign);
  SmallVector<std::string, 8> Names;
  for (Slot &S : Slots)
    Names.push_back(localName(*S.Orig));
  for (AllocaInst *AI : Dynamic)
    Names.push_back(localName(*AI));

  // Prologue, after the entry block's static allocas and before everything
  // else, including a dynamic alloca among the leading allocas (at -O2,
  // `char buf[n]` with a size_t n becomes one): the state saved here is
  // what every exit restores, so an escaping dynamic alloca allocated before
  // it would only be released by a caller's exit. Static allocas that
  // follow such a dynamic one move up first, so they stay in the entry
  // block's leading run (they have no operands to keep in order).
  BasicBlock &Entry = F.getEntryBlock();
  BasicBlock::iterator IP = Entry.getFirstInsertionPt();
  auto IsStatic = [](Instruction &I) {
    auto *AI = dyn_cast<AllocaInst>(&I);
    return AI && AI->isStaticAlloca();
  };
  while (IsStatic(*IP))
    ++IP;
  for (Instruction &I : make_early_inc_range(
           make_range(IP, Entry.end()))) {
    if (IsStatic(I))
      I.moveBefore(&*IP);
    else if (!isa<AllocaInst>(I))
      break;
  }
  IRBuilder<> B(&Entry, IP);
  PinnedState Old = loadState(B, SPVar, LimVar);
  Value *Base = nullptr;
  if (FrameSize) {
    Value *Avail = B.CreateSub(B.CreatePtrToInt(Old.SP, I64),
                               B.CreatePtrToInt(Old.Limit, I64));
    Value *Fits = B.CreateICmpUGE(
        Avail, ConstantInt::get(I64, FrameSize + FrameAlign.value()));
    Instruction *Term = &*B.GetInsertPoint();
    BasicBlock *Head = Term->getParent();
    BasicBlock *Join = Head->splitBasicBlock(Term, "pinned.join");
    BasicBlock *Fast = BasicBlock::Create(Ctx, "pinned.fast", &F, Join);
    BasicBlock *Slow = BasicBlock::Create(Ctx, "pinned.slow", &F, Join);
    Head->getTerminator()->eraseFromParent();
    BranchInst::Create(Fast, Slow, Fits, Head);

    IRBuilder<> FB(Fast);
    Value *Top = FB.CreateGEP(FB.getInt8Ty(), Old.SP,
                              ConstantInt::get(I64, -(int64_t)FrameSize));
    Value *FastBase = FB.CreateIntrinsic(
        Intrinsic::ptrmask, {Ptr, I64},
        {Top, ConstantInt::get(I64, -(int64_t)FrameAlign.value())});
    FB.CreateStore(FastBase, threadAddress(FB, SPVar));
    FB.CreateBr(Join);

    IRBuilder<> SB(Slow);
    Value *SlowBase = SB.CreateCall(
        Grow, {ConstantInt::get(I64, FrameSize),
               ConstantInt::get(I64, FrameAlign.value())});
    SB.CreateBr(Join);

    B.SetInsertPoint(Join, Join->getFirstInsertionPt());
    PHINode *Phi = B.CreatePHI(Ptr, 2, "pinned.base");
    Phi->addIncoming(FastBase, Fast);
    Phi->addIncoming(SlowBase, Slow);
    Base = Phi;
  }
  // The state with this frame allocated, for landing pads and setjmp.
  PinnedState Mine = FrameSize ? loadState(B, SPVar, LimVar) : Old;

  // Addresses first: the builder's insertion point may be a lifetime marker
  // erased below.
  SmallVector<Value *, 8> Addrs;
  for (Slot &S : Slots)
    Addrs.push_back(B.CreateGEP(B.getInt8Ty(), Base,
                                ConstantInt::get(I64, S.Offset),
                                S.Orig->getName() + ".pinned"));
  for (auto [S, Addr] : zip(Slots, Addrs)) {
    if (auto *AI = dyn_cast<AllocaInst>(S.Orig)) {
      // Lifetime markers only describe allocas.
      for (User *U : make_early_inc_range(AI->users()))
        if (auto *II = dyn_cast<IntrinsicInst>(U); II && II->isLifetimeStartOrEnd())
          II->eraseFromParent();
      AI->replaceAllUsesWith(Addr);
      AI->eraseFromParent();
    } else {
      auto *A = cast<Argument>(S.Orig);
      A->replaceAllUsesWith(Addr);
      IRBuilder<> CB(cast<Instruction>(Addr)->getNextNode());
      CB.CreateMemCpy(Addr, S.Alignment, A, S.Alignment, S.Size);
    }
  }

  // Escaping dynamic allocas come from the pinned area one by one.
  FunctionCallee Alloca = M.getOrInsertFunction(
      rt::PinnedAlloca, FunctionType::get(Ptr, {I64, I64}, false));
  for (AllocaInst *AI : Dynamic) {
    IRBuilder<> DB(AI);
    Value *N = DB.CreateZExtOrTrunc(AI->getArraySize(), I64);
    Value *Bytes = DB.CreateMul(
        N, ConstantInt::get(I64, DL.getTypeAllocSize(AI->getAllocatedType())));
    Value *P = DB.CreateCall(
        Alloca, {Bytes, ConstantInt::get(I64, std::max<uint64_t>(
                                                  AI->getAlign().value(),
                                                  MinPinnedAlign))},
        AI->getName() + ".pinned");
    AI->replaceAllUsesWith(P);
    AI->eraseFromParent();
  }
  if (!Dynamic.empty()) {
    // stackrestore releases the dynamic allocas since the matching
    // stacksave: do the same for the pinned ones.
    for (Instruction &I : make_early_inc_range(instructions(F))) {
      auto *Save = dyn_cast<IntrinsicInst>(&I);
      if (!Save || Save->getIntrinsicID() != Intrinsic::stacksave)
        continue;
      IRBuilder<> SB(Save->getNextNode());
      PinnedState AtSave = loadState(SB, SPVar, LimVar);
      for (IntrinsicInst *Restore : restoresOf(*Save)) {
        IRBuilder<> RB(Restore);
        storeState(RB, SPVar, LimVar, AtSave);
      }
    }
  }

  ORE.emit([&] {
    OptimizationRemark R("gostack", "Pinned", &F);
    R << "pinned " << ore::NV("Count", (unsigned)(Slots.size() + Dynamic.size()))
      << " escaping local(s), " << ore::NV("Bytes", FrameSize)
      << " bytes of them fixed-size:";
    for (StringRef N : Names)
      R << " '" << N << "'";
    return R;
  });

  // Exits and re-entries.
  for (BasicBlock &BB : F) {
    Instruction *T = BB.getTerminator();
    if (isa<ReturnInst>(T) || isa<ResumeInst>(T)) {
      IRBuilder<> RB(T);
      storeState(RB, SPVar, LimVar, Old);
    }
    for (Instruction &I : BB) {
      // With escaping dynamic allocas of this frame in the area, restoring
      // the post-prologue state would free them while still in use; keep
      // deeper frames' leftovers until this function returns instead.
      if (!Dynamic.empty())
        continue;
      if (auto *LP = dyn_cast<LandingPadInst>(&I)) {
        IRBuilder<> LB(LP->getNextNode());
        storeState(LB, SPVar, LimVar, Mine);
      } else if (auto *CI = dyn_cast<CallInst>(&I)) {
        if (CI->isMustTailCall()) {
          IRBuilder<> TB(CI);
          storeState(TB, SPVar, LimVar, Old);
        } else if (CI->hasFnAttr(Attribute::ReturnsTwice) && CI->getNextNode()) {
          // setjmp returns again after a longjmp from deeper frames.
          IRBuilder<> JB(CI->getNextNode());
          storeState(JB, SPVar, LimVar, Mine);
        }
      }
    }
  }
  return Slots.size() + Dynamic.size();
}

void lowerThreadAddresses(Module &M) {
  Function *Placeholder = M.getFunction(ThreadAddressPlaceholder);
  if (!Placeholder)
    return;
  // The address of initial-exec TLS variable Var, from the thread pointer at
  // this point. Not llvm.threadlocal.address: it is readnone, so GVN, LICM or
  // the backend may reuse an address computed before a call, and a task that
  // parked in the call and resumed on another thread would then access the
  // old thread's variable. A volatile asm is never merged or moved across
  // calls. The sequence is LLVM's own for an initial-exec address, valid in
  // PIE, non-PIE and shared objects.
  auto *IA = InlineAsm::get(
      Placeholder->getFunctionType(),
      "movq %fs:0, $0\n\taddq ${1:p}@GOTTPOFF(%rip), $0",
      "=r,s,~{dirflag},~{fpsr},~{flags}", /*hasSideEffects=*/true);
  for (User *U : make_early_inc_range(Placeholder->users())) {
    auto *CI = cast<CallInst>(U);
    // Drop loads of a state that is never restored (no landing pad, no
    // setjmp). The asm is volatile, so it would stay even if unused.
    for (User *LU : make_early_inc_range(CI->users()))
      if (auto *L = dyn_cast<LoadInst>(LU); L && L->use_empty())
        L->eraseFromParent();
    if (!CI->use_empty()) {
      CallInst *A = CallInst::Create(IA, {CI->getArgOperand(0)}, "", CI);
      A->setDoesNotThrow();
      CI->replaceAllUsesWith(A);
    }
    CI->eraseFromParent();
  }
  Placeholder->eraseFromParent();
}

} // namespace gostack
