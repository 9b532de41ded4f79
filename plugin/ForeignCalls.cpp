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
// system stack's own guard for the duration, so callbacks into instrumented
// code run there and link segments when it runs out (runtime/segments.c);
// its unwind info lets C++ exceptions cross back.
//
// Known C library functions skip the marker test (they are never ours), and
// small leaf string/memory functions that never call back are called
// directly: they fit in the guard reserve (docs/design.md, "Foreign calls").
// Calls that must see the task stack itself (setjmp, longjmp, context
// switches, the gostack runtime) are left alone.
//
// An indirect call cannot be decided at link time. It is decided at run time
// and remembered per call site, in two internal globals:
//
//   if (fp == cache.instrumented)      r = fp(args...)    ; the fast path
//   else if (fp == cache.foreign)      system stack, thunk(frame{fp, args})
//   else if (__gostack_is_instrumented(fp)) { cache.instrumented = fp; direct }
//   else                               { cache.foreign = fp; system stack }
//
// A call site usually sees one target (or one per kind), so after the first
// call it costs a load and a compare; the runtime's answer (a binary search
// of the registered gostack_fninfo tables) is never asked again for it. The
// caches are written with relaxed atomic stores: any value another thread
// stored is a correct answer for that target.
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/MDBuilder.h"
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
      "labs", "llabs",
      // libm's exact operations: an instruction or two and, for sqrt of a
      // negative number, errno (clang calls sqrt instead of using the
      // instruction because of -fmath-errno). Lua's n-body spent 2.4% of its
      // time in the system-stack thunk of sqrt.
      "sqrt", "sqrtf", "sqrtl", "fabs", "fabsf", "fabsl", "floor", "floorf",
      "ceil", "ceilf", "trunc", "truncf", "round", "roundf", "rint", "rintf",
      "nearbyint", "nearbyintf", "fmin", "fminf", "fmax", "fmaxf",
      "copysign", "copysignf"};
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

/// Index of the first argument in the frame of \p Callee's call: an
/// indirect call (no \p Callee) passes the target in field 0.
unsigned firstArgField(const Function *Callee) { return Callee ? 0 : 1; }

/// Builds `void thunk(ptr frame)` that makes \p CB's call from \p Frame,
/// to \p Callee or, when it is null, to the pointer in the frame.
Function *createThunk(CallBase &CB, Function *Callee, StructType *FrameTy) {
  Module &M = *CB.getModule();
  LLVMContext &Ctx = M.getContext();
  Function &Caller = *CB.getFunction();
  auto *Ty = FunctionType::get(Type::getVoidTy(Ctx),
                               {PointerType::getUnqual(Ctx)}, false);
  Function *T = Function::Create(
      Ty, GlobalValue::InternalLinkage,
      "__gostack_thunk." + (Callee ? Callee->getName() : "indirect"), &M);
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
  const unsigned Base = firstArgField(Callee);
  Value *Target = Callee;
  if (!Callee)
    Target = B.CreateLoad(FrameTy->getElementType(0),
                          B.CreateStructGEP(FrameTy, Frame, 0), "target");
  SmallVector<Value *, 8> Args;
  for (unsigned I = 0, E = CB.arg_size(); I != E; ++I)
    Args.push_back(B.CreateLoad(FrameTy->getElementType(Base + I),
                                B.CreateStructGEP(FrameTy, Frame, Base + I)));
  CallInst *Call = B.CreateCall(CB.getFunctionType(), Target, Args);
  Call->setCallingConv(CB.getCallingConv());
  Call->setAttributes(CB.getAttributes());
  if (!CB.getType()->isVoidTy())
    B.CreateStore(Call,
                  B.CreateStructGEP(FrameTy, Frame, Base + CB.arg_size()));
  B.CreateRetVoid();
  return T;
}

Function *getOrCreateThunk(CallBase &CB, Function *Callee,
                           StructType *FrameTy, ThunkCache &Cache) {
  // The frame type matters on its own: calls of one variadic callee share a
  // function type but pass different arguments.
  ThunkCache::Key K{Callee, FrameTy, CB.getFunctionType(),
                    CB.getAttributes().getRawPointer(), CB.getCallingConv()};
  Function *&T = Cache.Thunks[K];
  if (!T)
    T = createThunk(CB, Callee, FrameTy);
  return T;
}

/// {[target,] args..., [result]}: what a thunk needs to make \p CB's call.
StructType *frameTypeFor(CallBase &CB, const Function *Callee) {
  SmallVector<Type *, 8> Fields;
  if (!Callee)
    Fields.push_back(CB.getCalledOperand()->getType());
  for (Value *A : CB.args())
    Fields.push_back(A->getType());
  if (!CB.getType()->isVoidTy())
    Fields.push_back(CB.getType());
  return StructType::get(CB.getContext(), Fields);
}

/// Stores \p CB's arguments (and, for an indirect call, its target) into
/// \p Frame at \p B's insertion point.
void storeFrame(IRBuilder<> &B, CallBase &CB, const Function *Callee,
                AllocaInst *Frame, StructType *FrameTy) {
  const unsigned Base = firstArgField(Callee);
  if (!Callee)
    B.CreateStore(CB.getCalledOperand(), B.CreateStructGEP(FrameTy, Frame, 0));
  for (unsigned I = 0, E = CB.arg_size(); I != E; ++I)
    B.CreateStore(CB.getArgOperand(I),
                  B.CreateStructGEP(FrameTy, Frame, Base + I));
}

/// The path that goes through the system stack: trampoline call (or invoke
/// when \p CB is an invoke), then the result load. Inserts at the end of
/// \p BB, which has no terminator yet; returns the block the path continues
/// in and the result (null for void).
std::pair<BasicBlock *, Value *>
emitSystemStackPath(BasicBlock *BB, CallBase &CB, Function *Thunk,
                    AllocaInst *Frame, StructType *FrameTy,
                    unsigned ResultField) {
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
                     B.CreateStructGEP(FrameTy, Frame, ResultField),
                     "gostack.result");
  return {Cont, R};
}

/// Moves the original call \p CB from \p Head into \p Direct, the path taken
/// when the callee is instrumented, which continues at \p Merge; \p Sys is the
/// system-stack path. An invoke keeps its landing pad, reached from both paths.
/// Marks the call routed.
void moveIntoDirectPath(CallBase &CB, InvokeInst *II, BasicBlock *Head,
                        Instruction *HeadTerm, BasicBlock *Direct,
                        BasicBlock *Sys, BasicBlock *Merge, BasicBlock *After) {
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
  CB.setMetadata(RoutedMD, MDNode::get(CB.getContext(), {}));
}

/// Rewrites one call site. \p Marker, when set, is the weak marker whose
/// presence at link time means the callee is instrumented. \p Frame, when
/// set, is the frame buffer to use; otherwise the site gets its own.
void rewriteCallSite(CallBase &CB, Function *Thunk, StructType *FrameTy,
                     Constant *Marker, AllocaInst *Frame = nullptr) {
  Function &F = *CB.getFunction();
  LLVMContext &Ctx = F.getContext();
  if (!Frame) {
    IRBuilder<> EB(&F.getEntryBlock(),
                   F.getEntryBlock().getFirstInsertionPt());
    Frame = EB.CreateAlloca(FrameTy, nullptr, "gostack.callframe");
  }

  IRBuilder<> B(&CB);
  const Function *Callee = calledFunction(CB);
  const unsigned ResultField = firstArgField(Callee) + CB.arg_size();
  storeFrame(B, CB, Callee, Frame, FrameTy);

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
    auto [Cont, R] =
        emitSystemStackPath(Sys, CB, Thunk, Frame, FrameTy, ResultField);
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
  moveIntoDirectPath(CB, II, Head, HeadTerm, Direct, Sys, Merge, After);
  auto [Cont, R] =
      emitSystemStackPath(Sys, CB, Thunk, Frame, FrameTy, ResultField);
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

/// The two caches of one indirect call site (see the file comment).
struct SiteCache {
  GlobalVariable *Instrumented, *Foreign;
};

SiteCache createSiteCache(Module &M) {
  auto *Ptr = PointerType::getUnqual(M.getContext());
  auto Make = [&](StringRef Name) {
    auto *GV = new GlobalVariable(M, Ptr, /*isConstant=*/false,
                                  GlobalValue::InternalLinkage,
                                  ConstantPointerNull::get(Ptr), Name);
    GV->setAlignment(Align(8));
    return GV;
  };
  return {Make("gostack.icache.instrumented"), Make("gostack.icache.foreign")};
}

Function *getIsInstrumented(Module &M) {
  LLVMContext &Ctx = M.getContext();
  FunctionCallee FC = M.getOrInsertFunction(
      rt::IsInstrumented, FunctionType::get(Type::getInt32Ty(Ctx),
                                            {PointerType::getUnqual(Ctx)},
                                            false));
  auto *Fn = cast<Function>(FC.getCallee());
  Fn->setDoesNotThrow();
  Fn->setWillReturn();
  return Fn;
}

/// Rewrites an indirect call site into the cached run-time test of the file
/// comment. The original call (or invoke) becomes the direct path; \p Frame
/// is filled on the system-stack path only, so the fast path is a load, a
/// compare and the call.
void rewriteIndirectCallSite(CallBase &CB, Function *Thunk,
                             StructType *FrameTy, AllocaInst *Frame) {
  Function &F = *CB.getFunction();
  Module &M = *F.getParent();
  LLVMContext &Ctx = F.getContext();
  SiteCache Cache = createSiteCache(M);
  Value *Target = CB.getCalledOperand();
  auto *Ptr = PointerType::getUnqual(Ctx);
  MDBuilder MDB(Ctx);

  BasicBlock *Head = CB.getParent();
  auto *II = dyn_cast<InvokeInst>(&CB);
  BasicBlock *After = II ? II->getNormalDest()
                         : Head->splitBasicBlock(&CB, "gostack.after");
  Instruction *HeadTerm = Head->getTerminator();
  auto Block = [&](const char *Name) {
    return BasicBlock::Create(Ctx, Name, &F, After);
  };
  BasicBlock *Direct = Block("gostack.direct");
  BasicBlock *CheckForeign = Block("gostack.icache.miss");
  BasicBlock *Ask = Block("gostack.ask");
  BasicBlock *NewOurs = Block("gostack.new.instrumented");
  BasicBlock *NewForeign = Block("gostack.new.foreign");
  BasicBlock *Sys = Block("gostack.sys");
  BasicBlock *Merge = Block("gostack.merge");

  auto LoadCache = [&](IRBuilder<> &B, GlobalVariable *GV) {
    LoadInst *L = B.CreateAlignedLoad(Ptr, GV, Align(8));
    L->setAtomic(AtomicOrdering::Monotonic);
    return L;
  };
  auto StoreCache = [&](BasicBlock *BB, GlobalVariable *GV, BasicBlock *To) {
    IRBuilder<> B(BB);
    B.CreateAlignedStore(Target, GV, Align(8))
        ->setAtomic(AtomicOrdering::Monotonic);
    B.CreateBr(To);
  };
  {
    IRBuilder<> B(HeadTerm);
    Value *Hit = B.CreateICmpEQ(Target, LoadCache(B, Cache.Instrumented),
                                "gostack.target.instrumented");
    B.CreateCondBr(Hit, Direct, CheckForeign, MDB.createLikelyBranchWeights());
  }
  {
    IRBuilder<> B(CheckForeign);
    Value *Hit = B.CreateICmpEQ(Target, LoadCache(B, Cache.Foreign),
                                "gostack.target.foreign");
    B.CreateCondBr(Hit, Sys, Ask, MDB.createLikelyBranchWeights());
  }
  {
    IRBuilder<> B(Ask);
    CallInst *Q = B.CreateCall(getIsInstrumented(M), {Target});
    Q->setDoesNotThrow();
    B.CreateCondBr(B.CreateIsNotNull(Q, "gostack.is.instrumented"), NewOurs,
                   NewForeign);
  }
  StoreCache(NewOurs, Cache.Instrumented, Direct);
  StoreCache(NewForeign, Cache.Foreign, Sys);

  moveIntoDirectPath(CB, II, Head, HeadTerm, Direct, Sys, Merge, After);

  IRBuilder<> SB(Sys);
  storeFrame(SB, CB, nullptr, Frame, FrameTy);
  auto [Cont, R] = emitSystemStackPath(Sys, CB, Thunk, Frame, FrameTy,
                                       firstArgField(nullptr) + CB.arg_size());
  BranchInst::Create(Merge, Cont);
  IRBuilder<> MB(Merge);
  if (R) {
    PHINode *Phi = MB.CreatePHI(CB.getType(), 2, "gostack.call");
    CB.replaceAllUsesWith(Phi);
    Phi->addIncoming(&CB, Direct);
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

/// Whether indirect call \p CB can be routed; diagnoses it when not.
bool canRouteIndirect(CallBase &CB, OptimizationRemarkEmitter &ORE) {
  Function &F = *CB.getFunction();
  // A second return into a thunk frame on the system stack would be fatal;
  // setjmp through a pointer is the caller's (rare) choice to make.
  if (CB.hasFnAttr(Attribute::ReturnsTwice))
    return false;
  const char *Why = nullptr;
  if (auto *CI = dyn_cast<CallInst>(&CB); CI && CI->isMustTailCall())
    Why = "a musttail call cannot switch stacks";
  else if (CB.hasOperandBundles() || CB.hasInAllocaArgument() ||
           CB.getAttributes().hasAttrSomewhere(Attribute::SwiftError))
    Why = "operand bundles, inalloca and swifterror arguments do not "
          "survive the system-stack thunk";
  else if (CB.getType()->isTokenTy() ||
           any_of(CB.args(), [](const Use &A) {
             return A->getType()->isTokenTy() || A->getType()->isMetadataTy();
           }))
    Why = "token and metadata values cannot be stored in the thunk's frame";
  if (!Why)
    return true;
  diagnose(F, "indirect call in '" + F.getName() +
                  "' stays on the task stack (" + Why +
                  "); its target must be gostack-compiled or fit in the "
                  "stack guard reserve");
  ORE.emit([&] {
    return OptimizationRemarkMissed("gostack", "UnroutableIndirect", &CB)
           << "indirect call stays on the task stack";
  });
  return false;
}

/// gc.statepoint cannot wrap a value-returning variadic call, so with stack
/// maps such an indirect call could not be a move point even when its
/// target is instrumented: it always takes the system stack, where nothing
/// moves (StatepointRewriting.cpp, legalizeVarArgCall).
bool indirectNeedsSystemStack(const CallBase &CB, const RoutingOptions &Opts) {
  return Opts.StackMaps && CB.getFunctionType()->isVarArg() &&
         !CB.getType()->isVoidTy();
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
                           OptimizationRemarkEmitter &ORE, ThunkCache &Thunks,
                           const RoutingOptions &Opts) {
  SmallVector<CallBase *, 16> Sites, Indirect;
  for (Instruction &I : instructions(F)) {
    auto *CB = dyn_cast<CallBase>(&I);
    if (!CB || isa<CallBrInst>(CB) || CB->isInlineAsm())
      continue;
    // Already routed (the pass ran on this module before): the direct path
    // of a marker test or of an indirect call's cache test.
    if (CB->getMetadata(RoutedMD))
      continue;
    Function *Callee = calledFunction(*CB);
    if (!Callee) {
      if (Opts.RouteIndirect && canRouteIndirect(*CB, ORE))
        Indirect.push_back(CB);
      continue;
    }
    if (!Callee->isDeclaration() || mustStayOnTaskStack(*CB, *Callee))
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
    StructType *FrameTy = frameTypeFor(*CB, &Callee);
    Function *Thunk = getOrCreateThunk(*CB, &Callee, FrameTy, Thunks);
    Constant *Marker =
        isKnownForeign(Callee, TLI) ? nullptr : getMarker(M, Callee);
    ORE.emit([&] {
      return OptimizationRemark("gostack", "ForeignCall", CB)
             << "call to '" << Callee.getName() << "' runs on the system stack"
             << (Marker ? " unless the callee is gostack-compiled" : "");
    });
    rewriteCallSite(*CB, Thunk, FrameTy, Marker);
  }
  if (Indirect.empty())
    return Sites.size();
  // One frame buffer serves every indirect site of F: a frame is used only
  // between its stores and the result load on the system-stack path, so no
  // two sites' frames are ever live at once. With stack maps each frame's
  // address is a pointer live across every move point (spilled and reloaded
  // at each), so one buffer instead of one per site keeps that to one.
  const DataLayout &DL = M.getDataLayout();
  SmallVector<StructType *, 8> FrameTys;
  uint64_t Size = 1;
  Align FrameAlign(8);
  for (CallBase *CB : Indirect) {
    FrameTys.push_back(frameTypeFor(*CB, nullptr));
    Size = std::max<uint64_t>(Size, DL.getTypeAllocSize(FrameTys.back()));
    FrameAlign = std::max(FrameAlign, DL.getABITypeAlign(FrameTys.back()));
  }
  IRBuilder<> EB(&F.getEntryBlock(), F.getEntryBlock().getFirstInsertionPt());
  AllocaInst *Frame = EB.CreateAlloca(
      ArrayType::get(EB.getInt8Ty(), Size), nullptr, "gostack.icallframe");
  Frame->setAlignment(FrameAlign);
  for (unsigned I = 0, E = Indirect.size(); I != E; ++I) {
    CallBase *CB = Indirect[I];
    StructType *FrameTy = FrameTys[I];
    Function *Thunk = getOrCreateThunk(*CB, nullptr, FrameTy, Thunks);
    bool Always = indirectNeedsSystemStack(*CB, Opts);
    ORE.emit([&] {
      OptimizationRemark R("gostack", "IndirectCall", CB);
      if (Always)
        return R << "indirect value-returning variadic call runs on the "
                    "system stack (it cannot carry a stack map)";
      return R << "indirect call: the target runs on the system stack unless "
                  "it is gostack-compiled (decided at run time, cached per "
                  "call site)";
    });
    if (Always)
      rewriteCallSite(*CB, Thunk, FrameTy, /*Marker=*/nullptr, Frame);
    else
      rewriteIndirectCallSite(*CB, Thunk, FrameTy, Frame);
  }
  return Sites.size() + Indirect.size();
}

} // namespace gostack
