//===- JmpBufRecords.cpp - tell the runtime about live jmp_bufs -----------===//
//
// setjmp saves SP and RBP in the jmp_buf (glibc mangles them with the
// thread's pointer guard), so a stack move must update every jmp_buf that a
// later longjmp may use: a runtime record (docs/design.md, "The relocation
// invariant", item 4). The buffer itself is pinned (setjmp captures it). After
// every setjmp-family call -- it returns once more after each longjmp -- the
// buffer is registered with the running task; it is unregistered when the
// function that called setjmp returns or unwinds, since the buffer dies then.
//
// Calls to longjmp, _longjmp, siglongjmp and __longjmp_chk become calls to the
// runtime's __gostack_longjmp / __gostack_longjmp_chk (runtime/jmpbuf.c): a
// jump out of a signal handler or a system-stack callback back into a task
// frame must restore the task's guard, which only the runtime knows
// (docs/design.md, "Signals").
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace gostack {

namespace {

/// Redirects every direct longjmp-family call in \p F to the runtime.
void rewriteLongJmps(Function &F) {
  static const StringSet<> LongJmp = {"longjmp", "_longjmp", "siglongjmp"};
  static constexpr StringLiteral LongJmpChk = "__longjmp_chk";
  SmallVector<CallBase *, 2> Calls;
  for (Instruction &I : instructions(F))
    if (auto *CB = dyn_cast<CallBase>(&I))
      if (Function *Callee = calledFunction(*CB);
          Callee && (LongJmp.contains(Callee->getName()) ||
                     Callee->getName() == LongJmpChk))
        Calls.push_back(CB);
  if (Calls.empty())
    return;
  Module &M = *F.getParent();
  LLVMContext &Ctx = M.getContext();
  // void (jmp_buf, int): what the C library declares. A call through another
  // type (a K&R declaration) is left alone rather than given a mismatched one.
  auto *Ty = FunctionType::get(
      Type::getVoidTy(Ctx), {PointerType::getUnqual(Ctx), Type::getInt32Ty(Ctx)},
      false);
  for (CallBase *CB : Calls) {
    if (CB->getFunctionType() != Ty)
      continue;
    bool Chk = calledFunction(*CB)->getName() == LongJmpChk;
    FunctionCallee Target = M.getOrInsertFunction(
        Chk ? "__gostack_longjmp_chk" : "__gostack_longjmp", Ty);
    if (auto *Fn = dyn_cast<Function>(Target.getCallee()))
      Fn->setDoesNotReturn();
    CB->setCalledFunction(Target);
  }
}

} // namespace

unsigned registerJmpBufs(Function &F) {
  rewriteLongJmps(F);
  static const StringSet<> SetJmp = {"setjmp", "_setjmp", "sigsetjmp",
                                     "__sigsetjmp"};
  SmallVector<CallBase *, 2> Calls;
  SetVector<Value *> Bufs;
  for (Instruction &I : instructions(F))
    if (auto *CB = dyn_cast<CallBase>(&I))
      if (Function *Callee = calledFunction(*CB);
          Callee && SetJmp.contains(Callee->getName()) && CB->arg_size() >= 1) {
        Calls.push_back(CB);
        Bufs.insert(CB->getArgOperand(0));
      }
  if (Calls.empty())
    return 0;

  Module &M = *F.getParent();
  LLVMContext &Ctx = M.getContext();
  auto *Ty = FunctionType::get(Type::getVoidTy(Ctx),
                               {PointerType::getUnqual(Ctx)}, false);
  FunctionCallee Register = M.getOrInsertFunction(rt::JmpBufRegister, Ty);
  FunctionCallee Unregister = M.getOrInsertFunction(rt::JmpBufUnregister, Ty);
  for (CallBase *CB : Calls) {
    // An invoke of setjmp (C++) continues in its normal destination.
    Instruction *After = isa<InvokeInst>(CB)
                             ? &*cast<InvokeInst>(CB)->getNormalDest()->getFirstInsertionPt()
                             : CB->getNextNode();
    IRBuilder<>(After).CreateCall(Register, {CB->getArgOperand(0)});
  }
  DominatorTree DT(F);
  for (BasicBlock &BB : F) {
    Instruction *T = BB.getTerminator();
    if (!isa<ReturnInst>(T) && !isa<ResumeInst>(T))
      continue;
    IRBuilder<> B(T);
    for (Value *Buf : Bufs)
      // A buffer that does not dominate an exit stays registered; the next
      // move finds it stale (its saved SP is no longer in the live stack).
      if (!isa<Instruction>(Buf) || DT.dominates(cast<Instruction>(Buf), T))
        B.CreateCall(Unregister, {Buf});
  }
  return Calls.size();
}

} // namespace gostack
