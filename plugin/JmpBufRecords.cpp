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

unsigned registerJmpBufs(Function &F) {
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
