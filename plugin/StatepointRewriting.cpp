//===- StatepointRewriting.cpp - stack maps for every move point ----------===//
//
// A stack move can happen inside any call that may reach an instrumented
// prologue. At each such call the runtime must know every slot of the
// caller's frame that holds a pointer (docs/design.md, "Precise relocation").
// We get that from LLVM's statepoint machinery:
//
//  * the function gets `gc "gostack"` (StackMapStrategy.cpp: every pointer is
//    managed), and each call that may reach a move becomes a gc.statepoint
//    whose "gc-live" values the backend spills to stack slots, records in the
//    stack map (StackMapPrinter.cpp), and reloads after the call;
//  * calls that cannot reach a move -- foreign calls through the system-stack
//    trampoline, leaf library functions, the runtime, intrinsics, setjmp --
//    are marked "gc-leaf-function" and stay plain calls.
//
// LLVM's RewriteStatepointsForGC does the liveness analysis, the SSA rewriting
// and the invoke/landing-pad handling. It cannot handle allocas as base
// pointers, and we need none: every pointer into a moving stack moves by the
// same delta, so each live pointer is its own base. We hide each alloca
// behind an opaque identity call for the duration of the rewrite (a call
// result is a base pointer to RS4GC) and put the alloca back afterwards; the
// backend records a live alloca as a Direct, frame-relative location and
// recomputes its address after the call.
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"

#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Scalar/RewriteStatepointsForGC.h"

using namespace llvm;

namespace gostack {
namespace {

constexpr StringLiteral FrameAddrName = "__gostack.frame_addr";
constexpr StringLiteral LeafAttr = "gc-leaf-function";

/// Whether a stack move can happen while \p CB runs (so the caller's frame
/// must be described at this call).
bool mayReachMove(const CallBase &CB) {
  if (CB.isInlineAsm())
    return false;
  // The frame is gone during a musttail call; setjmp returns twice.
  if (auto *CI = dyn_cast<CallInst>(&CB); CI && CI->isMustTailCall())
    return false;
  if (CB.hasFnAttr(Attribute::ReturnsTwice))
    return false;
  const Function *Callee = CB.getCalledFunction();
  if (!Callee)
    return true; // indirect: may be instrumented code
  if (Callee->isIntrinsic() || Callee->hasFnAttribute(attr::Thunk))
    return false;
  StringRef N = Callee->getName();
  // The runtime: the system-stack trampoline, the pinned area, the C API.
  // None of them moves the calling task's stack.
  if (N.starts_with("__gostack") || N.starts_with("gostack_") ||
      N.starts_with("__morestack"))
    return false;
  if (!Callee->isDeclaration())
    return true;
  // A declaration still called directly after routeForeignCalls is either a
  // leaf library function kept on the task stack or a gostack-compiled
  // function reached through the marker test.
  return !isTaskStackLibraryCall(CB, *Callee);
}

} // namespace

unsigned rewriteStatepoints(Function &F, FunctionAnalysisManager &FAM,
                            OptimizationRemarkEmitter &ORE) {
  Module &M = *F.getParent();
  LLVMContext &Ctx = M.getContext();

  unsigned Candidates = 0;
  for (Instruction &I : instructions(F)) {
    auto *CB = dyn_cast<CallBase>(&I);
    if (!CB || isa<CallBrInst>(CB))
      continue;
    bool Move = mayReachMove(*CB);
    // RS4GC understands only deopt and gc-transition bundles.
    if (Move && CB->hasOperandBundlesOtherThan(
                    {LLVMContext::OB_deopt, LLVMContext::OB_gc_transition})) {
      diagnose(F, "call with operand bundles cannot carry a stack map; a "
                  "stack move during it is fatal");
      Move = false;
    }
    if (Move)
      ++Candidates;
    else if (!isa<IntrinsicInst>(CB))
      CB->addFnAttr(Attribute::get(Ctx, LeafAttr));
  }
  F.setGC("gostack");
  if (!Candidates)
    return 0;

  // Hide allocas from RS4GC's base-pointer search.
  auto *Ptr = PointerType::getUnqual(Ctx);
  FunctionCallee FrameAddr =
      M.getOrInsertFunction(FrameAddrName, FunctionType::get(Ptr, {Ptr}, false));
  auto *FrameAddrFn = cast<Function>(FrameAddr.getCallee());
  FrameAddrFn->setDoesNotAccessMemory();
  FrameAddrFn->setDoesNotThrow();
  FrameAddrFn->addFnAttr(LeafAttr);
  SmallVector<CallInst *, 16> Wrappers;
  for (Instruction &I : make_early_inc_range(instructions(F))) {
    auto *AI = dyn_cast<AllocaInst>(&I);
    if (!AI)
      continue;
    IRBuilder<> B(AI->getNextNode());
    CallInst *W = B.CreateCall(FrameAddr, {AI}, AI->getName() + ".addr");
    // Lifetime markers and debug info must keep naming the alloca itself.
    AI->replaceUsesWithIf(W, [&](Use &U) {
      auto *II = dyn_cast<IntrinsicInst>(U.getUser());
      return U.getUser() != W && !(II && II->isLifetimeStartOrEnd());
    });
    Wrappers.push_back(W);
  }

  auto &DT = FAM.getResult<DominatorTreeAnalysis>(F);
  auto &TTI = FAM.getResult<TargetIRAnalysis>(F);
  auto &TLI = FAM.getResult<TargetLibraryAnalysis>(F);
  RewriteStatepointsForGC().runOnFunction(F, DT, TTI, TLI);

  for (CallInst *W : Wrappers) {
    W->replaceAllUsesWith(W->getArgOperand(0));
    W->eraseFromParent();
  }
  if (FrameAddrFn->use_empty())
    FrameAddrFn->eraseFromParent();

  ORE.emit([&] {
    return OptimizationRemark("gostack", "StackMaps", &F)
           << "stack maps at " << ore::NV("Calls", Candidates)
           << " call site(s)";
  });
  return Candidates;
}

} // namespace gostack
