//===- ForeignCalls.cpp - run uninstrumented callees on the system stack --===//
//
// Code the plugin did not compile (libc, libstdc++, any library) has no
// prologue check and may need kilobytes of stack (printf, the unwinder,
// getaddrinfo). A task's stack may have 2 KB in all. So a direct call to a
// function that is only declared here becomes
//
//   frame = {args..., result}            ; a static alloca in the caller
//   if (&__gostack_fn.callee != null)    ; weak: defined iff gostack compiled
//     r = callee(args...)                ;   the callee: it checks itself
//   else
//     __gostack_systemstack_call(thunk, &frame); r = frame.result
//
// where the thunk is a generated function that unpacks the frame and makes
// the original call with its original attributes, so the backend lowers the
// ABI (stack arguments, byval copies, sret, varargs) exactly as before. The
// runtime trampoline switches to the thread's system stack and sets the
// guard to 0 for the duration, so callbacks into instrumented code run there
// without growing anything; its unwind info lets C++ exceptions cross back.
//
// Known C library functions skip the marker test (they are never ours), and
// small leaf string/memory functions that never call back are called
// directly: they fit in the guard reserve (docs/design.md, "Foreign calls").
// Calls that must see the task stack itself (setjmp, longjmp, context
// switches, the gostack runtime) are left alone. Indirect calls are assumed
// to reach instrumented code (a later issue decides them at run time).
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace gostack {
namespace {

/// Marks the direct path of a marker test, so that running the pass again
/// leaves it alone.
constexpr StringLiteral RoutedMD = "gostack.routed";

/// Callees that must run on the task stack itself.
bool mustStayOnTaskStack(const CallBase &CB, const Function &Callee) {
  if (Callee.isIntrinsic())
    return true;
  // setjmp & co. record the current SP; a second return into a thunk frame
  // on the system stack would be fatal.
  if (CB.hasFnAttr(Attribute::ReturnsTwice) ||
      Callee.hasFnAttribute(Attribute::ReturnsTwice))
    return true;
  StringRef N = Callee.getName();
  if (isRuntimeFunctionName(N))
    return true;
  static const StringSet<> TaskStackOnly = {
      // They jump to a context saved on the task stack; leaving the system
      // stack that way would skip the trampoline's return path.
      "longjmp", "_longjmp", "siglongjmp", "__longjmp_chk", "setcontext",
      "swapcontext", "getcontext",
      // Tiny leaf functions that never call back: fit the guard reserve.
      "memcpy", "memmove", "memset", "memcmp", "bcmp", "memchr", "memrchr",
      "strlen", "strnlen", "strcmp", "strncmp", "strcpy", "strncpy", "stpcpy",
      "strchr", "strrchr", "strcat", "strncat", "__errno_location", "abs",
      "labs", "llabs"};
  return TaskStackOnly.contains(N);
}

/// Whether \p Callee can never be gostack-compiled, so the link-time marker
/// test is pointless.
bool isKnownForeign(const Function &Callee, TargetLibraryInfo &TLI) {
  LibFunc LF;
  if (TLI.getLibFunc(Callee, LF) && TLI.has(LF))
    return true;
  StringRef N = Callee.getName();
  return N.starts_with("__cxa_") || N.starts_with("_Unwind_") ||
         N.starts_with("__gxx_");
}

Function *getTrampoline(Module &M) {
  LLVMContext &Ctx = M.getContext();
  auto *Ptr = PointerType::getUnqual(Ctx);
  FunctionCallee FC = M.getOrInsertFunction(
      rt::SystemStackCall,
      FunctionType::get(Type::getVoidTy(Ctx), {Ptr, Ptr}, false));
  return cast<Function>(FC.getCallee());
}

/// Builds `void thunk(ptr frame)` that makes \p CB's call from \p Frame.
Function *createThunk(CallBase &CB, Function &Callee, StructType *FrameTy) {
  Module &M = *CB.getModule();
  LLVMContext &Ctx = M.getContext();
  Function &Caller = *CB.getFunction();
  auto *Ty = FunctionType::get(Type::getVoidTy(Ctx),
                               {PointerType::getUnqual(Ctx)}, false);
  Function *T =
      Function::Create(Ty, GlobalValue::InternalLinkage,
                       "__gostack_thunk." + Callee.getName(), &M);
  T->addFnAttr(attr::Thunk);
  T->addFnAttr(Attribute::NoInline);
  T->addFnAttr("frame-pointer", "all");
  T->setUWTableKind(Caller.getUWTableKind());
  // The call must be lowered for the same target as the original.
  for (StringRef A : {"target-cpu", "target-features", "tune-cpu"})
    if (Caller.hasFnAttribute(A))
      T->addFnAttr(Caller.getFnAttribute(A));
  if (CB.doesNotThrow())
    T->setDoesNotThrow();

  IRBuilder<> B(BasicBlock::Create(Ctx, "entry", T));
  Argument *Frame = T->getArg(0);
  SmallVector<Value *, 8> Args;
  for (unsigned I = 0, E = CB.arg_size(); I != E; ++I)
    Args.push_back(B.CreateLoad(FrameTy->getElementType(I),
                                B.CreateStructGEP(FrameTy, Frame, I)));
  CallInst *Call = B.CreateCall(CB.getFunctionType(), &Callee, Args);
  Call->setCallingConv(CB.getCallingConv());
  Call->setAttributes(CB.getAttributes());
  if (!CB.getType()->isVoidTy())
    B.CreateStore(Call, B.CreateStructGEP(FrameTy, Frame, CB.arg_size()));
  B.CreateRetVoid();
  return T;
}

Function *getOrCreateThunk(CallBase &CB, Function &Callee,
                           StructType *FrameTy, ThunkCache &Cache) {
  // The frame type matters on its own: calls of one variadic callee share a
  // function type but pass different arguments.
  ThunkCache::Key K{&Callee, FrameTy, CB.getFunctionType(),
                    CB.getAttributes().getRawPointer(), CB.getCallingConv()};
  Function *&T = Cache.Thunks[K];
  if (!T)
    T = createThunk(CB, Callee, FrameTy);
  return T;
}

StructType *frameTypeFor(CallBase &CB) {
  SmallVector<Type *, 8> Fields;
  for (Value *A : CB.args())
    Fields.push_back(A->getType());
  if (!CB.getType()->isVoidTy())
    Fields.push_back(CB.getType());
  return StructType::get(CB.getContext(), Fields);
}

/// The path that goes through the system stack: trampoline call (or invoke
/// when \p CB is an invoke), then the result load. Inserts at the end of
/// \p BB, which has no terminator yet; returns the block the path continues
/// in and the result (null for void).
std::pair<BasicBlock *, Value *>
emitSystemStackPath(BasicBlock *BB, CallBase &CB, Function *Thunk,
                    AllocaInst *Frame, StructType *FrameTy) {
  Function *Tramp = getTrampoline(*BB->getModule());
  IRBuilder<> B(BB);
  Value *Args[] = {Thunk, Frame};
  BasicBlock *Cont = BB;
  if (auto *II = dyn_cast<InvokeInst>(&CB)) {
    Cont = BasicBlock::Create(BB->getContext(), "gostack.sys.ok",
                              BB->getParent());
    B.CreateInvoke(Tramp, Cont, II->getUnwindDest(), Args);
    B.SetInsertPoint(Cont);
  } else {
    CallInst *C = B.CreateCall(Tramp, Args);
    if (CB.doesNotThrow())
      C->setDoesNotThrow();
  }
  Value *R = nullptr;
  if (!CB.getType()->isVoidTy())
    R = B.CreateLoad(CB.getType(),
                     B.CreateStructGEP(FrameTy, Frame, CB.arg_size()),
                     "gostack.result");
  return {Cont, R};
}

/// Rewrites one call site. \p Marker, when set, is the weak marker whose
/// presence at link time means the callee is instrumented.
void rewriteCallSite(CallBase &CB, Function *Thunk, StructType *FrameTy,
                     Constant *Marker) {
  Function &F = *CB.getFunction();
  LLVMContext &Ctx = F.getContext();
  IRBuilder<> EB(&F.getEntryBlock(), F.getEntryBlock().getFirstInsertionPt());
  AllocaInst *Frame = EB.CreateAlloca(FrameTy, nullptr, "gostack.callframe");

  IRBuilder<> B(&CB);
  for (unsigned I = 0, E = CB.arg_size(); I != E; ++I)
    B.CreateStore(CB.getArgOperand(I), B.CreateStructGEP(FrameTy, Frame, I));

  BasicBlock *Head = CB.getParent();
  auto *II = dyn_cast<InvokeInst>(&CB);
  // Where control continues after the call, and the block that must become
  // its predecessor in place of Head.
  BasicBlock *After = II ? II->getNormalDest()
                         : Head->splitBasicBlock(&CB, "gostack.after");
  BasicBlock *Sys = BasicBlock::Create(Ctx, "gostack.sys", &F, After);
  Instruction *HeadTerm = Head->getTerminator();

  if (!Marker) {
    // Always the system stack: the call disappears. (For an invoke, Head's
    // terminator is the call itself; it is erased last.)
    if (!II)
      HeadTerm->eraseFromParent();
    BranchInst::Create(Sys, Head);
    auto [Cont, R] = emitSystemStackPath(Sys, CB, Thunk, Frame, FrameTy);
    BranchInst::Create(After, Cont);
    if (II) {
      After->replacePhiUsesWith(Head, Cont);
      II->getUnwindDest()->replacePhiUsesWith(Head, Sys);
    }
    if (R)
      CB.replaceAllUsesWith(R);
    CB.eraseFromParent();
    return;
  }

  // Both paths; the original call moves into Direct.
  BasicBlock *Direct = BasicBlock::Create(Ctx, "gostack.direct", &F, Sys);
  BasicBlock *Merge = BasicBlock::Create(Ctx, "gostack.merge", &F, After);
  IRBuilder<> HB(HeadTerm);
  Value *IsOurs = HB.CreateICmpNE(
      Marker, ConstantPointerNull::get(PointerType::getUnqual(Ctx)),
      "gostack.callee.instrumented");
  HB.CreateCondBr(IsOurs, Direct, Sys);
  if (II) {
    // Head's terminator *is* the invoke: move it.
    II->removeFromParent();
    II->insertInto(Direct, Direct->end());
    II->setNormalDest(Merge);
    II->getUnwindDest()->replacePhiUsesWith(Head, Direct);
    for (PHINode &Phi : II->getUnwindDest()->phis())
      Phi.addIncoming(Phi.getIncomingValueForBlock(Direct), Sys);
    After->replacePhiUsesWith(Head, Merge);
  } else {
    HeadTerm->eraseFromParent();
    CB.removeFromParent();
    CB.insertInto(Direct, Direct->end());
    BranchInst::Create(Merge, Direct);
  }
  CB.setMetadata(RoutedMD, MDNode::get(Ctx, {}));
  auto [Cont, R] = emitSystemStackPath(Sys, CB, Thunk, Frame, FrameTy);
  BranchInst::Create(Merge, Cont);
  IRBuilder<> MB(Merge);
  if (R) {
    PHINode *Phi = MB.CreatePHI(CB.getType(), 2, "gostack.call");
    CB.replaceAllUsesWith(Phi);
    Phi->addIncoming(&CB, CB.getParent());
    Phi->addIncoming(R, Cont);
  }
  MB.CreateBr(After);
}

Constant *getMarker(Module &M, const Function &Callee) {
  std::string Name = (rt::InstrumentedMarkerPrefix + Callee.getName()).str();
  Type *I8 = Type::getInt8Ty(M.getContext());
  if (GlobalValue *GV = M.getNamedValue(Name))
    return GV;
  auto *GV = new GlobalVariable(M, I8, /*isConstant=*/true,
                                GlobalValue::ExternalWeakLinkage, nullptr,
                                Name);
  return GV;
}

} // namespace

bool isRuntimeFunctionName(StringRef N) {
  return N.starts_with("gostack_") || N.starts_with("__gostack") ||
         N.starts_with("__morestack");
}

Function *calledFunction(const CallBase &CB) {
  return dyn_cast<Function>(CB.getCalledOperand()->stripPointerCasts());
}

bool isTaskStackLibraryCall(const CallBase &CB, const Function &Callee) {
  return mustStayOnTaskStack(CB, Callee);
}

unsigned routeForeignCalls(Function &F, TargetLibraryInfo &TLI,
                           OptimizationRemarkEmitter &ORE,
                           ThunkCache &Thunks) {
  SmallVector<CallBase *, 16> Sites;
  for (Instruction &I : instructions(F)) {
    auto *CB = dyn_cast<CallBase>(&I);
    if (!CB || isa<CallBrInst>(CB))
      continue;
    Function *Callee = calledFunction(*CB);
    if (!Callee || !Callee->isDeclaration() ||
        mustStayOnTaskStack(*CB, *Callee))
      continue;
    // Already routed (the pass ran on this module before): the direct path
    // of a marker test.
    if (CB->getMetadata(RoutedMD))
      continue;
    if (auto *CI = dyn_cast<CallInst>(CB); CI && CI->isMustTailCall()) {
      ORE.emit([&] {
        return OptimizationRemarkMissed("gostack", "MustTailForeign", CB)
               << "musttail call to '" << Callee->getName()
               << "' stays on the task stack";
      });
      continue;
    }
    // Operand bundles and inalloca arguments do not survive a thunk.
    if (CB->hasOperandBundles() || CB->hasInAllocaArgument()) {
      ORE.emit([&] {
        return OptimizationRemarkMissed("gostack", "UnroutableForeign", CB)
               << "call to '" << Callee->getName()
               << "' stays on the task stack";
      });
      continue;
    }
    Sites.push_back(CB);
  }

  Module &M = *F.getParent();
  for (CallBase *CB : Sites) {
    Function &Callee = *calledFunction(*CB);
    StructType *FrameTy = frameTypeFor(*CB);
    Function *Thunk = getOrCreateThunk(*CB, Callee, FrameTy, Thunks);
    Constant *Marker =
        isKnownForeign(Callee, TLI) ? nullptr : getMarker(M, Callee);
    ORE.emit([&] {
      return OptimizationRemark("gostack", "ForeignCall", CB)
             << "call to '" << Callee.getName() << "' runs on the system stack"
             << (Marker ? " unless the callee is gostack-compiled" : "");
    });
    rewriteCallSite(*CB, Thunk, FrameTy, Marker);
  }
  return Sites.size();
}

} // namespace gostack
