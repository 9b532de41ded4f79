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
// pointers (it crashes), and we need none: every pointer into a moving stack
// moves by the same delta, so each live pointer is its own base. A local's
// address must never sit in a register across a move point unless a stack map
// says so: left to itself the backend treats it as a frame index and may keep
// one `lea` of it in a callee-saved register across calls, which a move would
// leave pointing into the old stack. So every use of a static alloca gets its
// own definition right before it, `leaq slot(%rbp), %reg` in an inline asm
// with side effects (nothing merges or hoists it): live only up to its use,
// never across a call unless the program keeps the pointer there, and then
// RS4GC spills and relocates it like any pointer. A dynamic alloca's address
// is a run-time value: it gets one opaque definition (`asm "" : "=r"(p) :
// "0"(&local)`) right after the alloca, relocated at every move point.
// RS4GC also lists a statepoint's own pointer arguments as live; the ones
// nothing reads after the call are dropped again (dropUnreadGCLive).
//
// RS4GC takes every pointer-typed operand that is not a Constant for a value
// that may be live at a statepoint, and an InlineAsm callee is one: it would
// look for the base pointer of the asm itself and crash. So while it runs,
// inline asm is out of its sight: the opaque address definitions are calls of
// a placeholder, and every user asm call calls a declared stand-in instead
// (HiddenInlineAsm). Inline asm is never a move point.
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Statepoint.h"
#include "llvm/Transforms/Scalar/RewriteStatepointsForGC.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"
#include "llvm/Transforms/Utils/SSAUpdater.h"

using namespace llvm;

namespace gostack {
namespace {

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
  const Function *Callee = calledFunction(CB);
  if (!Callee)
    return true; // indirect: the routed direct path reaches gostack code
  if (Callee->isIntrinsic() || Callee->hasFnAttribute(attr::Thunk))
    return false;
  StringRef N = Callee->getName();
  if (N == rt::EnsureStack)
    return true;
  // The rest of the runtime: the system-stack trampoline, the pinned area,
  // the C API. None of them moves the calling task's stack.
  if (isRuntimeFunctionName(N))
    return false;
  if (!Callee->isDeclaration())
    return true;
  // A declaration still called directly after routeForeignCalls is either a
  // leaf library function kept on the task stack or a gostack-compiled
  // function reached through the marker test.
  return !isTaskStackLibraryCall(CB, *Callee);
}

/// Tags of deopt operand pairs (tag, alloca) in a statepoint, runtime records
/// runtime/adjustframes.c relocates on a move: a va_list's two save-area
/// pointers (GOSTACK_DEOPT_VALIST), or one pointer-sized slot
/// (GOSTACK_DEOPT_SLOT).
constexpr uint64_t DeoptVaListTag = 1;
constexpr uint64_t DeoptSlotTag = 2;

/// Dynamic allocas that stay on the moving stack are preceded by an explicit
/// move point, so that the backend's own slow path (a mid-function call to
/// __morestack_allocate_stack_space, which has no stack map) never has to
/// move the stack. runtime/morestack.S implements it.
void ensureStackBeforeDynamicAllocas(Function &F) {
  Module &M = *F.getParent();
  const DataLayout &DL = M.getDataLayout();
  Type *I64 = Type::getInt64Ty(M.getContext());
  FunctionCallee Ensure = M.getOrInsertFunction(
      rt::EnsureStack,
      FunctionType::get(Type::getVoidTy(M.getContext()), {I64}, false));
  for (Instruction &I : make_early_inc_range(instructions(F))) {
    auto *AI = dyn_cast<AllocaInst>(&I);
    if (!AI || AI->isStaticAlloca())
      continue;
    IRBuilder<> B(AI);
    Value *N = B.CreateZExtOrTrunc(AI->getArraySize(), I64);
    Value *Bytes = B.CreateAdd(
        B.CreateMul(N, ConstantInt::get(
                           I64, DL.getTypeAllocSize(AI->getAllocatedType()))),
        ConstantInt::get(I64, AI->getAlign().value()));
    B.CreateCall(Ensure, {Bytes});
  }
}

/// The va_list objects of \p F, zeroed at entry so a move never mistakes an
/// uninitialized one's garbage for save-area pointers.
SmallVector<AllocaInst *, 2> prepareVaLists(Function &F) {
  SmallVector<AllocaInst *, 2> Lists;
  for (Instruction &I : F.getEntryBlock())
    if (auto *AI = dyn_cast<AllocaInst>(&I); AI && isVaList(*AI))
      Lists.push_back(AI);
  if (Lists.empty())
    return Lists;
  BasicBlock::iterator IP = F.getEntryBlock().getFirstInsertionPt();
  while (isa<AllocaInst>(*IP))
    ++IP;
  IRBuilder<> B(&*IP);
  const DataLayout &DL = F.getParent()->getDataLayout();
  for (AllocaInst *AI : Lists)
    B.CreateMemSet(AI, B.getInt8(0), *AI->getAllocationSize(DL),
                   AI->getAlign());
  return Lists;
}

/// Replaces \p CB by a copy whose \p Name bundle (of kind \p ID) holds
/// \p Inputs, or has no such bundle when \p Inputs is empty; returns the copy.
CallBase *replaceBundle(CallBase *CB, uint32_t ID, StringRef Name,
                        ArrayRef<Value *> Inputs) {
  CallBase *New = CallBase::removeOperandBundle(CB, ID, CB->getIterator());
  if (!Inputs.empty()) {
    CallBase *With = CallBase::addOperandBundle(
        New, ID, OperandBundleDef(Name.str(), Inputs), CB->getIterator());
    if (New != CB)
      New->eraseFromParent();
    New = With;
  }
  New->takeName(CB);
  CB->replaceAllUsesWith(New);
  CB->eraseFromParent();
  return New;
}

/// Adds (Tag, alloca) deopt pairs to a move point.
CallBase *addRuntimeRecords(CallBase *CB, uint64_t Tag,
                            ArrayRef<AllocaInst *> Objects) {
  SmallVector<Value *, 4> Inputs;
  if (auto Old = CB->getOperandBundle(LLVMContext::OB_deopt))
    Inputs.append(Old->Inputs.begin(), Old->Inputs.end());
  Type *I64 = Type::getInt64Ty(CB->getContext());
  for (AllocaInst *AI : Objects) {
    Inputs.push_back(ConstantInt::get(I64, Tag));
    Inputs.push_back(AI);
  }
  return replaceBundle(CB, LLVMContext::OB_deopt, "deopt", Inputs);
}

/// RS4GC lists a statepoint's own pointer arguments as gc-live even when
/// nothing reads them after the call (a collector must see what a callee may
/// keep; we move the callee's copy with the callee's map). Each such entry
/// costs a spill before every call, so the unread ones are dropped: their
/// relocates are unused, and the remaining relocates are renumbered. Invokes
/// keep theirs: their landing pads' relocates index the same list.
void dropUnreadGCLive(Function &F) {
  SmallVector<GCStatepointInst *, 16> Statepoints;
  for (Instruction &I : instructions(F))
    if (auto *SP = dyn_cast<GCStatepointInst>(&I); SP && isa<CallInst>(SP))
      Statepoints.push_back(SP);
  for (GCStatepointInst *SP : Statepoints) {
    auto Live = SP->getOperandBundle(LLVMContext::OB_gc_live);
    if (!Live || Live->Inputs.empty())
      continue;
    SmallVector<GCRelocateInst *, 8> Relocates;
    for (User *U : make_early_inc_range(SP->users()))
      if (auto *R = dyn_cast<GCRelocateInst>(U)) {
        if (R->use_empty())
          R->eraseFromParent();
        else
          Relocates.push_back(R);
      }
    SmallVector<int, 16> NewIndex(Live->Inputs.size(), -1);
    SmallVector<Value *, 16> Kept;
    auto Keep = [&](unsigned I) {
      if (NewIndex[I] < 0) {
        NewIndex[I] = Kept.size();
        Kept.push_back(Live->Inputs[I]);
      }
      return NewIndex[I];
    };
    for (GCRelocateInst *R : Relocates) {
      Keep(R->getBasePtrIndex());
      Keep(R->getDerivedPtrIndex());
    }
    if (Kept.size() == Live->Inputs.size())
      continue;
    Type *I32 = Type::getInt32Ty(F.getContext());
    for (GCRelocateInst *R : Relocates) {
      unsigned Base = NewIndex[R->getBasePtrIndex()];
      unsigned Derived = NewIndex[R->getDerivedPtrIndex()];
      R->setArgOperand(1, ConstantInt::get(I32, Base));
      R->setArgOperand(2, ConstantInt::get(I32, Derived));
    }
    replaceBundle(SP, LLVMContext::OB_gc_live, "gc-live", Kept);
  }
}

/// RS4GC relocates values live into a landing pad with gc.relocate of the
/// landing pad, which the verifier accepts only for token landing pads (C++'s
/// are { ptr, i32 }). Such a value travels through a stack slot instead: stored
/// before the invoke, listed as a runtime record the move relocates, and
/// loaded in the landing pad.
void relocateThroughSlotsOnUnwind(Function &F) {
  SmallVector<GCRelocateInst *, 8> OnUnwind;
  for (Instruction &I : instructions(F))
    if (auto *R = dyn_cast<GCRelocateInst>(&I);
        R && isa<LandingPadInst>(R->getOperand(0)))
      OnUnwind.push_back(R);
  if (OnUnwind.empty())
    return;
  MapVector<CallBase *, SmallVector<AllocaInst *, 4>> SlotsOf;
  IRBuilder<> EB(&F.getEntryBlock(), F.getEntryBlock().getFirstInsertionPt());
  for (GCRelocateInst *R : OnUnwind) {
    auto *SP = cast<CallBase>(const_cast<GCStatepointInst *>(
        cast<GCStatepointInst>(R->getStatepoint())));
    Value *V = R->getDerivedPtr();
    if (!V->getType()->isPointerTy()) {
      diagnose(F, "a vector of pointers live into a landing pad is not "
                  "relocated on the exception path");
      continue;
    }
    AllocaInst *Slot = EB.CreateAlloca(V->getType(), nullptr, "unwind.slot");
    IRBuilder<>(SP).CreateStore(V, Slot);
    IRBuilder<> LB(R);
    R->replaceAllUsesWith(LB.CreateLoad(V->getType(), Slot));
    R->eraseFromParent();
    SlotsOf[SP].push_back(Slot);
  }
  for (auto &[SP, Slots] : SlotsOf)
    addRuntimeRecords(SP, DeoptSlotTag, Slots);
}

/// Whether \p CC passes arguments in the C convention's registers and stack
/// slots (LLVM's CC_X86_64_C sequence).
bool usesSysVArguments(CallingConv::ID CC) {
  switch (CC) {
  case CallingConv::C:
  case CallingConv::Fast:
  case CallingConv::Cold:
  case CallingConv::Tail:
  case CallingConv::PreserveMost:
  case CallingConv::PreserveAll:
  case CallingConv::Swift:
  case CallingConv::SwiftTail:
  case CallingConv::X86_64_SysV:
    return true;
  default:
    return false;
  }
}

/// Win64 (ms_abi): argument i is in rcx, rdx, r8, r9 for i < 4 and in stack
/// slot i otherwise (after the 32-byte home area); anything wider than 8
/// bytes is passed by reference, which the IR already shows as a pointer.
void win64PointerArguments(const Function &F, uint32_t &Regs, uint32_t &Slots,
                           bool &Unknown) {
  // Bits follow the C sequence rdi, rsi, rdx, rcx, r8, r9.
  static const unsigned RegBit[4] = {3, 2, 4, 5};
  unsigned I = 0;
  for (const Argument &A : F.args()) {
    if (A.getType()->isPointerTy() && !A.hasByValAttr()) {
      if (I < 4)
        Regs |= 1u << RegBit[I];
      else if (I < 32)
        Slots |= 1u << I;
      else
        Unknown = true;
    }
    ++I;
  }
}

/// x86-64 classification of \p F's parameters, as far as the runtime needs it
/// at __morestack: which of rdi..r9 and which 8-byte stack argument slots
/// hold pointers. Sets \p Unknown for parameters we cannot classify.
void pointerArgumentMasks(const Function &F, uint32_t &Regs, uint32_t &Slots,
                          bool &Unknown) {
  const DataLayout &DL = F.getParent()->getDataLayout();
  unsigned GPR = 0, XMM = 0, Slot = 0;
  Regs = Slots = 0;
  Unknown = false;
  CallingConv::ID CC = F.getCallingConv();
  if (CC == CallingConv::Win64) {
    win64PointerArguments(F, Regs, Slots, Unknown);
    return;
  }
  if (!usesSysVArguments(CC)) {
    // Another register sequence (regcall, ghccc, ...): only functions without
    // pointer parameters are classified (nothing to relocate at entry).
    Unknown = any_of(F.args(), [](const Argument &A) {
      return A.getType()->isPtrOrPtrVectorTy();
    });
    return;
  }
  auto OnStack = [&](uint64_t Bytes, bool IsPtr, uint64_t AlignSlots) {
    Slot = alignTo(Slot, AlignSlots);
    if (IsPtr && Slot < 32)
      Slots |= 1u << Slot;
    if (IsPtr && Slot >= 32)
      Unknown = true;
    Slot += divideCeil(Bytes, 8);
  };
  for (const Argument &A : F.args()) {
    Type *T = A.getType();
    if (A.hasAttribute(Attribute::Nest))
      continue; // r10, outside the sequence; never a stack pointer we make
    if (A.hasByValAttr()) {
      Type *BT = A.getParamByValType();
      OnStack(DL.getTypeAllocSize(BT), false,
              DL.getABITypeAlign(BT).value() > 8 ? 2 : 1);
      continue;
    }
    uint64_t Size = T->isSized() ? DL.getTypeAllocSize(T).getKnownMinValue() : 0;
    bool VectorReg = T->isVectorTy() && !T->isPtrOrPtrVectorTy() &&
                     (Size == 8 || Size == 16 || Size == 32 || Size == 64);
    if (T->isPointerTy() || (T->isIntegerTy() && T->getIntegerBitWidth() <= 64)) {
      if (GPR < 6) {
        if (T->isPointerTy())
          Regs |= 1u << GPR;
        ++GPR;
      } else {
        OnStack(8, T->isPointerTy(), 1);
      }
    } else if (T->isIntegerTy(128)) {
      if (GPR <= 4)
        GPR += 2;
      else
        OnStack(16, false, 2);
    } else if (T->isHalfTy() || T->isBFloatTy() || T->isFloatTy() ||
               T->isDoubleTy() || T->isFP128Ty() || VectorReg) {
      // SSE class: one xmm/ymm/zmm register each (__m256 and __m512 whole,
      // as clang passes them only to functions with AVX/AVX-512), else the
      // stack at the type's alignment.
      if (XMM < 8)
        ++XMM;
      else
        OnStack(Size, false, Size > 8 ? Size / 8 : 1);
    } else if (T->isX86_FP80Ty()) {
      OnStack(16, false, 2);
    } else {
      Unknown = true; // first-class aggregates, pointer vectors, odd vectors
    }
  }
}

/// gc.statepoint cannot wrap a value-returning variadic call. Rewrites such a
/// move point into a void one, or marks it leaf (with a warning) when that is
/// impossible. Returns the call that remains a move point, or null.
CallBase *legalizeVarArgCall(CallBase *CB) {
  FunctionType *FTy = CB->getFunctionType();
  if (!FTy->isVarArg() || FTy->getReturnType()->isVoidTy())
    return CB;
  Function &F = *CB->getFunction();
  Module &M = *F.getParent();
  LLVMContext &Ctx = M.getContext();
  Function *Callee = calledFunction(*CB);
  SmallVector<Value *, 8> Args(CB->args());
  auto Replace = [&](CallBase *New, Value *Result) {
    New->setDebugLoc(CB->getDebugLoc());
    if (Result)
      CB->replaceAllUsesWith(Result);
    CB->eraseFromParent();
    return New;
  };

  // An unprototyped (K&R) call: the callee is not really variadic, so call
  // it with the argument types it was given.
  if (Callee && Callee->getFunctionType()->getNumParams() == 0 &&
      !isa<InvokeInst>(CB)) {
    SmallVector<Type *, 8> Tys;
    for (Value *A : Args)
      Tys.push_back(A->getType());
    auto *NTy = FunctionType::get(FTy->getReturnType(), Tys, false);
    auto *New = CallInst::Create(NTy, CB->getCalledOperand(), Args, "", CB->getIterator());
    New->setCallingConv(CB->getCallingConv());
    New->setAttributes(CB->getAttributes());
    New->takeName(CB);
    return Replace(New, New);
  }

  Function *VRet = Callee ? M.getFunction(
                                (rt::VarArgReturnPrefix + Callee->getName()).str())
                          : nullptr;
  if (!VRet && Callee && Callee->isDeclaration() && !isa<InvokeInst>(CB)) {
    // The callee is gostack-compiled (this is the direct path of a marker
    // test), so its value-returning entry exists.
    SmallVector<Type *, 8> Tys{PointerType::getUnqual(Ctx)};
    Tys.append(FTy->param_begin(), FTy->param_end());
    VRet = cast<Function>(
        M.getOrInsertFunction((rt::VarArgReturnPrefix + Callee->getName()).str(),
                              FunctionType::get(Type::getVoidTy(Ctx), Tys, true))
            .getCallee());
    // Weak: a gostack-compiled variadic function the plugin could not split
    // (musttail, label addresses) has no such entry; the call then stays as
    // it is, without a map.
    VRet->setLinkage(GlobalValue::ExternalWeakLinkage);
    IRBuilder<> GB(CB);
    Value *Has = GB.CreateICmpNE(VRet, ConstantPointerNull::get(PointerType::getUnqual(Ctx)));
    Instruction *ThenT, *ElseT;
    SplitBlockAndInsertIfThenElse(Has, CB->getIterator(), &ThenT, &ElseT);
    BasicBlock *Tail = CB->getParent();
    // Move the original call to the else branch as a leaf; build the
    // value-returning call in the then branch; merge with a phi.
    CB->moveBefore(ElseT);
    CB->addFnAttr(Attribute::get(Ctx, LeafAttr));
    IRBuilder<> EB(&F.getEntryBlock(), F.getEntryBlock().getFirstInsertionPt());
    AllocaInst *Slot = EB.CreateAlloca(FTy->getReturnType(), nullptr, "vret");
    SmallVector<Value *, 8> NArgs{Slot};
    NArgs.append(Args.begin(), Args.end());
    auto *New = CallInst::Create(VRet->getFunctionType(), VRet, NArgs, "",
                                 ThenT->getIterator());
    New->setCallingConv(CB->getCallingConv());
    New->setDebugLoc(CB->getDebugLoc());
    IRBuilder<> TB(ThenT);
    Value *R = TB.CreateLoad(FTy->getReturnType(), Slot);
    IRBuilder<> PB(&*Tail->getFirstInsertionPt());
    PHINode *Phi = PB.CreatePHI(FTy->getReturnType(), 2);
    CB->replaceAllUsesWith(Phi);
    Phi->addIncoming(R, ThenT->getParent());
    Phi->addIncoming(CB, ElseT->getParent());
    return New;
  }
  if (!VRet) {
    diagnose(F, "call to a value-returning variadic function " +
                    (Callee ? "'" + Callee->getName() + "' " : Twine("")) +
                    "cannot carry a stack map; a stack move during it is fatal");
    CB->addFnAttr(Attribute::get(Ctx, LeafAttr));
    return nullptr;
  }
  IRBuilder<> EB(&F.getEntryBlock(), F.getEntryBlock().getFirstInsertionPt());
  AllocaInst *Slot = EB.CreateAlloca(FTy->getReturnType(), nullptr, "vret");
  SmallVector<Value *, 8> NArgs{Slot};
  NArgs.append(Args.begin(), Args.end());
  AttributeList AL = CB->getAttributes();
  SmallVector<AttributeSet, 8> PA{AttributeSet()};
  for (unsigned I = 0; I != CB->arg_size(); ++I)
    PA.push_back(AL.getParamAttrs(I));
  AttributeList NAL = AttributeList::get(Ctx, AL.getFnAttrs(), AttributeSet(), PA);
  if (auto *II = dyn_cast<InvokeInst>(CB)) {
    // The result is read on the normal edge, in a block of its own.
    BasicBlock *Normal = II->getNormalDest();
    BasicBlock *Ok = BasicBlock::Create(Ctx, "vret.ok", &F, Normal);
    auto *New = InvokeInst::Create(VRet->getFunctionType(), VRet, Ok,
                                   II->getUnwindDest(), NArgs, "",
                                   II->getIterator());
    New->setCallingConv(II->getCallingConv());
    New->setAttributes(NAL);
    IRBuilder<> B(Ok);
    Value *R = B.CreateLoad(FTy->getReturnType(), Slot);
    B.CreateBr(Normal);
    Normal->replacePhiUsesWith(II->getParent(), Ok);
    return Replace(New, R);
  }
  auto *New = CallInst::Create(VRet->getFunctionType(), VRet, NArgs, "",
                               CB->getIterator());
  New->setCallingConv(CB->getCallingConv());
  New->setAttributes(NAL);
  IRBuilder<> B(New->getNextNode());
  Value *R = B.CreateLoad(FTy->getReturnType(), Slot);
  return Replace(New, R);
}

/// A variadic callee reads AL (an upper bound on the vector registers holding
/// arguments) to decide whether to save XMM0-7; gc.statepoint lowering does
/// not set it. So a variadic move point calls __gostack_vcall with the real
/// callee as its `nest` argument (R10, outside the argument sequence); the
/// trampoline sets AL to 8 and jumps (runtime/switch.S).
void callThroughVarArgTrampoline(CallBase *CB) {
  Module &M = *CB->getModule();
  LLVMContext &Ctx = M.getContext();
  FunctionType *FTy = CB->getFunctionType();
  auto *Ptr = PointerType::getUnqual(Ctx);
  SmallVector<Type *, 8> Params{Ptr};
  Params.append(FTy->param_begin(), FTy->param_end());
  auto *TTy = FunctionType::get(FTy->getReturnType(), Params, true);
  Function *Tramp = cast<Function>(
      M.getOrInsertFunction(rt::VarArgCall, TTy).getCallee());
  SmallVector<Value *, 8> Args{CB->getCalledOperand()};
  Args.append(CB->arg_begin(), CB->arg_end());
  AttributeList AL = CB->getAttributes();
  SmallVector<AttributeSet, 8> PA{
      AttributeSet::get(Ctx, {Attribute::get(Ctx, Attribute::Nest)})};
  for (unsigned I = 0; I != CB->arg_size(); ++I)
    PA.push_back(AL.getParamAttrs(I));
  AttributeList NAL =
      AttributeList::get(Ctx, AL.getFnAttrs(), AL.getRetAttrs(), PA);
  CallBase *New;
  if (auto *II = dyn_cast<InvokeInst>(CB))
    New = InvokeInst::Create(TTy, Tramp, II->getNormalDest(),
                             II->getUnwindDest(), Args, "", II->getIterator());
  else
    New = CallInst::Create(TTy, Tramp, Args, "", CB->getIterator());
  New->setCallingConv(CB->getCallingConv());
  New->setAttributes(NAL);
  New->setDebugLoc(CB->getDebugLoc());
  New->takeName(CB);
  CB->replaceAllUsesWith(New);
  CB->eraseFromParent();
}

/// An error or a warning at \p I (its function's line when \p I has no
/// location).
void diagnoseAt(const Instruction &I, const Twine &Msg, bool IsError) {
  const Function &F = *I.getFunction();
  DiagnosticLocation Loc = I.getDebugLoc()
                               ? DiagnosticLocation(I.getDebugLoc())
                               : DiagnosticLocation(F.getSubprogram());
  F.getContext().diagnose(DiagnosticInfoUnsupported(
      F, "gostack: " + Msg, Loc, IsError ? DS_Error : DS_Warning));
}

/// Values RS4GC relocates: in the "gostack" strategy every pointer is
/// managed.
bool isTracked(Type *T) { return T->isPtrOrPtrVectorTy(); }

/// RS4GC takes every pointer-typed operand that is not a Constant for a value
/// that may be live at a statepoint. An InlineAsm callee is one (a Value of
/// pointer type, not a Constant), so an inline-asm call after a move point
/// made RS4GC search for the base pointer of the asm itself, and crash. While
/// RS4GC runs, every inline-asm call, invoke and callbr (asm goto) calls a
/// declared stand-in of the same function type instead, one per InlineAsm,
/// a gc leaf: the asm is never a move point. Only the callee operand changes,
/// so the arguments (which RS4GC rewrites to relocated values like any
/// call's), attributes, operand bundles, callbr destinations, metadata and
/// the instruction itself are the asm's own again after restore().
class HiddenInlineAsm {
  SmallVector<std::pair<Function *, InlineAsm *>, 4> StandIns;

public:
  explicit HiddenInlineAsm(Function &F) {
    Module &M = *F.getParent();
    Attribute Leaf = Attribute::get(M.getContext(), LeafAttr);
    SmallDenseMap<InlineAsm *, Function *, 4> StandInOf;
    for (Instruction &I : instructions(F)) {
      auto *CB = dyn_cast<CallBase>(&I);
      auto *IA = CB ? dyn_cast<InlineAsm>(CB->getCalledOperand()) : nullptr;
      if (!IA)
        continue;
      Function *&S = StandInOf[IA];
      if (!S) {
        S = Function::Create(IA->getFunctionType(),
                             GlobalValue::ExternalLinkage, "__gostack.asm", M);
        S->addFnAttr(Leaf);
        StandIns.emplace_back(S, IA);
      }
      CB->addFnAttr(Leaf);
      CB->setCalledOperand(S);
    }
  }
  HiddenInlineAsm(const HiddenInlineAsm &) = delete;
  HiddenInlineAsm &operator=(const HiddenInlineAsm &) = delete;
  ~HiddenInlineAsm() { restore(); }

  /// Puts every asm back (after RS4GC).
  void restore() {
    for (auto [S, IA] : StandIns) {
      for (Use &U : make_early_inc_range(S->uses())) {
        auto *CB = cast<CallBase>(U.getUser());
        assert(CB->isCallee(&U) && "a stand-in escaped into an operand");
        CB->setCalledOperand(IA);
      }
      S->eraseFromParent();
    }
    StandIns.clear();
  }
};

/// An asm goto with a result of a vector-of-pointers type cannot be
/// described; refused (with an error at the asm) before anything changes.
bool refuseUnsupportedCallBr(Function &F) {
  bool Refused = false;
  for (BasicBlock &BB : F) {
    auto *CBR = dyn_cast<CallBrInst>(BB.getTerminator());
    if (!CBR || CBR->use_empty())
      continue;
    Type *T = CBR->getType();
    if (T->isVectorTy() && isTracked(T)) {
      diagnoseAt(*CBR,
                 "asm goto in '" + F.getName() +
                     "' has a vector-of-pointers output, which cannot be "
                     "described in a stack map; not supported with stack "
                     "maps (GOSTACK_STACK_MAPS=0 compiles it)",
                 /*IsError=*/true);
      Refused = true;
    }
  }
  return Refused;
}

/// A pointer extracted from the results of a multi-output asm call is
/// extracted right after the asm: RS4GC does not relocate aggregates, so the
/// aggregate must not be what is live at a later statepoint.
void extractAsmPointersEarly(Function &F) {
  for (Instruction &I : instructions(F)) {
    auto *CI = dyn_cast<CallInst>(&I);
    if (!CI || !CI->isInlineAsm() || !CI->getType()->isAggregateType())
      continue;
    Instruction *After = CI;
    for (User *U : make_early_inc_range(CI->users()))
      if (auto *EV = dyn_cast<ExtractValueInst>(U);
          EV && isTracked(EV->getType())) {
        EV->moveAfter(After);
        After = EV;
      }
  }
}

/// RS4GC stores a relocated value to a slot right after its definition, and
/// nothing can follow a terminator: an asm goto (callbr) result live at a
/// statepoint would be broken. So each pointer result of a callbr, and each
/// pointer extracted from a multi-output one, is defined anew at the top of
/// every successor, each reached by an edge of its own (CodeGen's
/// CallBrPrepare splits callbr edges too), and its uses take those
/// definitions, with phis where they meet. A pointer result is copied by
/// \p Copy (the opaque identity of the alloca addresses; the copies are
/// appended to \p Copies and lowered with them).
void redefineCallBrResults(Function &F, FunctionCallee Copy,
                           SmallVectorImpl<WeakVH> &Copies) {
  LLVMContext &Ctx = F.getContext();
  auto Wanted = [](BasicBlock &BB) {
    auto *CBR = dyn_cast<CallBrInst>(BB.getTerminator());
    return CBR && !CBR->use_empty() &&
           (CBR->getType()->isPointerTy() ||
            CBR->getType()->isAggregateType());
  };
  if (none_of(F, Wanted))
    return;
  // RS4GC drops them too; dominance is what the rewriting below relies on.
  removeUnreachableBlocks(F);
  SmallVector<CallBrInst *, 2> CallBrs;
  for (BasicBlock &BB : F)
    if (Wanted(BB))
      CallBrs.push_back(cast<CallBrInst>(BB.getTerminator()));
  for (CallBrInst *CBR : CallBrs) {
    BasicBlock *From = CBR->getParent();
    for (unsigned I = 0, E = CBR->getNumSuccessors(); I != E; ++I) {
      BasicBlock *To = CBR->getSuccessor(I);
      if (To->getUniquePredecessor() == From)
        continue;
      BasicBlock *Edge =
          BasicBlock::Create(Ctx, From->getName() + ".asm.edge", &F, To);
      BranchInst::Create(To, Edge)->setDebugLoc(CBR->getDebugLoc());
      CBR->setSuccessor(I, Edge);
      for (PHINode &PN : To->phis())
        PN.setIncomingBlock(PN.getBasicBlockIndex(From), Edge);
    }
    SmallSetVector<BasicBlock *, 4> Succs;
    for (BasicBlock *S : successors(From))
      Succs.insert(S);
    // Each successor now has one predecessor: its phis are copies.
    for (BasicBlock *S : Succs)
      FoldSingleEntryPHINodes(S);

    // Defines V anew at the top of every successor, by Make, and rewrites
    // V's uses to those definitions. Returns the definitions in use.
    auto Redefine = [&](Instruction *V,
                        function_ref<Instruction *(IRBuilder<> &)> Make) {
      SSAUpdater SSA;
      SSA.Initialize(V->getType(), V->getName());
      SmallMapVector<BasicBlock *, Instruction *, 4> DefIn;
      for (BasicBlock *S : Succs) {
        IRBuilder<> B(S, S->getFirstInsertionPt());
        B.SetCurrentDebugLocation(CBR->getDebugLoc());
        Instruction *D = Make(B);
        DefIn[S] = D;
        SSA.AddAvailableValue(S, D);
      }
      for (Use &U : make_early_inc_range(V->uses())) {
        auto *UI = cast<Instruction>(U.getUser());
        auto It = DefIn.find(UI->getParent());
        if (It != DefIn.end() && It->second == UI)
          continue; // a new definition itself
        if (It != DefIn.end() && !isa<PHINode>(UI))
          U.set(It->second);
        else
          SSA.RewriteUse(U);
      }
      SmallVector<Instruction *, 4> Used;
      for (auto &[S, D] : DefIn)
        if (D->use_empty())
          D->eraseFromParent();
        else
          Used.push_back(D);
      return Used;
    };
    if (CBR->getType()->isPointerTy()) {
      for (Instruction *C : Redefine(CBR, [&](IRBuilder<> &B) {
             CallInst *C = B.CreateCall(Copy, {CBR}, CBR->getName() + ".asm");
             C->addFnAttr(Attribute::get(Ctx, LeafAttr));
             C->setDoesNotThrow();
             return C;
           }))
        Copies.push_back(cast<CallInst>(C));
      continue;
    }
    SmallVector<ExtractValueInst *, 4> Pointers;
    for (User *U : CBR->users())
      if (auto *EV = dyn_cast<ExtractValueInst>(U);
          EV && isTracked(EV->getType()))
        Pointers.push_back(EV);
    for (ExtractValueInst *EV : Pointers) {
      Redefine(EV, [&](IRBuilder<> &B) {
        return B.Insert(EV->clone(), EV->getName());
      });
      EV->eraseFromParent();
    }
  }
}

} // namespace

void emitFunctionInfo(Module &M, ArrayRef<Function *> Checked,
                      ArrayRef<Function *> Entries, bool DiagnoseLayouts) {
  LLVMContext &Ctx = M.getContext();
  auto *Ptr = PointerType::getUnqual(Ctx);
  auto *I32 = Type::getInt32Ty(Ctx);
  auto *RecTy = StructType::get(Ctx, {Ptr, I32, I32});
  SmallVector<Constant *, 32> Recs;
  // An available_externally body is not emitted: the symbol names a
  // definition elsewhere (glibc's fortified printf, say), maybe not ours.
  auto Emitted = [](const Function *F) {
    return !F->hasAvailableExternallyLinkage();
  };
  for (Function *F : make_filter_range(Checked, Emitted)) {
    uint32_t Regs, Slots;
    bool Unknown;
    pointerArgumentMasks(*F, Regs, Slots, Unknown);
    if (Unknown && DiagnoseLayouts)
      diagnose(*F, "cannot classify the parameters of '" + F->getName() +
                       "' for the stack map; a stack move at its entry "
                       "will be reported as fatal");
    // flags: stack-slot mask in bits 0..30, bit 31 = unknown layout.
    uint32_t Flags = Unknown ? (1u << 31) : (Slots & 0x7fffffffu);
    Recs.push_back(ConstantStruct::get(RecTy, {F, ConstantInt::get(I32, Regs),
                                               ConstantInt::get(I32, Flags)}));
  }
  // Unchecked variadic entries: ptr_arg_regs bit 31 alone
  // (runtime/stackmap.h, GOSTACK_FNINFO_UNCHECKED_ENTRY). Indirect calls may
  // enter them on a task stack; __morestack is never called from them.
  for (Function *F : make_filter_range(Entries, Emitted))
    Recs.push_back(ConstantStruct::get(
        RecTy, {F, ConstantInt::get(I32, 1u << 31), ConstantInt::get(I32, 0)}));
  if (Recs.empty())
    return;
  auto *ArrTy = ArrayType::get(RecTy, Recs.size());
  // Writable: the function addresses need load-time relocation in PIE.
  auto *GV = new GlobalVariable(M, ArrTy, /*isConstant=*/false,
                                GlobalValue::InternalLinkage,
                                ConstantArray::get(ArrTy, Recs),
                                "__gostack_fninfo");
  GV->setSection("gostack_fninfo");
  GV->setAlignment(Align(8));
  appendToUsed(M, {GV});
}

unsigned rewriteStatepoints(Function &F, FunctionAnalysisManager &FAM,
                            OptimizationRemarkEmitter &ORE) {
  Module &M = *F.getParent();
  LLVMContext &Ctx = M.getContext();

  ensureStackBeforeDynamicAllocas(F);
  SmallVector<AllocaInst *, 2> VaLists = prepareVaLists(F);
  // Pointer-typed locals left on the moving stack (at -O0, every pointer
  // parameter and variable): their contents are relocated as records, which
  // also covers a pointer to a va_list (never pinned) stored in one.
  SmallVector<AllocaInst *, 8> PointerSlots;
  for (Instruction &I : F.getEntryBlock())
    if (auto *AI = dyn_cast<AllocaInst>(&I);
        AI && AI->isStaticAlloca() && AI->getAllocatedType()->isPointerTy())
      PointerSlots.push_back(AI);
  unsigned Candidates = 0;
  for (Instruction &I : instructions(F)) {
    auto *CB = dyn_cast<CallBase>(&I);
    if (!CB)
      continue;
    bool Move = mayReachMove(*CB); // never for inline asm, asm goto included
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
  if (!Candidates || refuseUnsupportedCallBr(F))
    return 0;
  SmallVector<CallBase *, 4> VarArgCalls;
  for (Instruction &I : instructions(F))
    if (auto *CB = dyn_cast<CallBase>(&I);
        CB && !CB->hasFnAttr(LeafAttr) && !isa<IntrinsicInst>(CB) &&
        CB->getFunctionType()->isVarArg())
      VarArgCalls.push_back(CB);
  for (CallBase *CB : VarArgCalls)
    if (CallBase *Legal = legalizeVarArgCall(CB);
        Legal && Legal->getFunctionType()->isVarArg())
      callThroughVarArgTrampoline(Legal);

  // Give every alloca's address an opaque definition (see the file comment):
  // a placeholder call while RS4GC runs (it cannot see inline asm), the
  // empty asm afterwards.
  auto *Ptr = PointerType::getUnqual(Ctx);
  auto *OpaqueTy = FunctionType::get(Ptr, {Ptr}, false);
  // With side effects: no later pass may merge two definitions or hoist one
  // out of a loop, across a move point the stack map does not describe it at.
  InlineAsm *Opaque = InlineAsm::get(OpaqueTy, "", "=r,0",
                                     /*hasSideEffects=*/true);
  // A static local's address, from a memory operand: the backend prints the
  // frame slot (`-16(%rbp)`) into the lea, so no register holding the address
  // is shared between definitions (a register input could be one lea,
  // hoisted and kept in a callee-saved register across a move point).
  InlineAsm *FrameAddress = InlineAsm::get(OpaqueTy, "leaq $1, $0", "=r,*m",
                                           /*hasSideEffects=*/true);
  FunctionCallee Placeholder =
      M.getOrInsertFunction("__gostack.frame_address", OpaqueTy);
  auto *PlaceholderFn = cast<Function>(Placeholder.getCallee());
  PlaceholderFn->setDoesNotAccessMemory();
  PlaceholderFn->setDoesNotThrow();
  PlaceholderFn->addFnAttr(LeafAttr);
  // Tracked: RS4GC deletes what it finds unreachable or dead.
  SmallVector<WeakVH, 16> Wrappers;
  extractAsmPointersEarly(F);
  redefineCallBrResults(F, Placeholder, Wrappers);
  // A local's address definitions name the alloca through an integer while
  // RS4GC runs: a pointer operand would keep the alloca itself live from the
  // entry to its last use, and RS4GC cannot give an alloca a base pointer.
  // The integer (a ptrtoint next to the alloca) also keeps the alloca from
  // being deleted as unused meanwhile.
  auto *LocalAddrTy =
      FunctionType::get(Ptr, {Type::getInt64Ty(Ctx)}, false);
  auto *LocalAddrFn = cast<Function>(
      M.getOrInsertFunction("__gostack.local_address", LocalAddrTy)
          .getCallee());
  LocalAddrFn->setDoesNotAccessMemory();
  LocalAddrFn->setDoesNotThrow();
  LocalAddrFn->addFnAttr(LeafAttr);
  SmallVector<WeakVH, 16> LocalIds;
  auto LocalOf = [&](Value *V) -> AllocaInst * {
    auto *W = dyn_cast<CallInst>(V);
    if (!W || W->getCalledOperand() != LocalAddrFn)
      return nullptr;
    return cast<AllocaInst>(
        cast<PtrToIntInst>(W->getArgOperand(0))->getPointerOperand());
  };
  for (Instruction &I : make_early_inc_range(instructions(F))) {
    auto *AI = dyn_cast<AllocaInst>(&I);
    if (!AI)
      continue;
    // A local nothing reads or writes (only lifetime markers, if anything)
    // has no address worth describing; RS4GC also crashes on unused wrappers.
    if (all_of(AI->users(), [](User *U) {
          auto *II = dyn_cast<IntrinsicInst>(U);
          return II && II->isLifetimeStartOrEnd();
        })) {
      for (User *U : make_early_inc_range(AI->users()))
        cast<Instruction>(U)->eraseFromParent();
      continue;
    }
    // Every use, lifetime markers included (RS4GC counts them as uses and
    // would look for the alloca's base); they get the alloca back below.
    // Runtime records (va_list deopt operands) keep the alloca: they describe
    // the object's frame slot, not a pointer to relocate.
    auto NotRecord = [](Use &U) {
      auto *CB = dyn_cast<CallBase>(U.getUser());
      return !(CB && CB->isBundleOperand(U.getOperandNo()));
    };
    if (!AI->isStaticAlloca()) {
      // A dynamic alloca's address is a run-time value (the stack pointer
      // after the allocation), not a frame offset: one definition right
      // after it, relocated at every move point like any pointer.
      IRBuilder<> B(AI->getNextNode());
      CallInst *W =
          B.CreateCall(Placeholder, {AI}, AI->getName() + ".addr");
      W->addFnAttr(Attribute::get(Ctx, LeafAttr));
      W->setDoesNotThrow();
      AI->replaceUsesWithIf(
          W, [&](Use &U) { return U.getUser() != W && NotRecord(U); });
      Wrappers.push_back(W);
      continue;
    }
    // A static alloca's address is a frame offset: it gets one definition
    // per use, right before it (for a phi, at the end of the incoming block),
    // computed from the frame register there (lowered below). It is then live
    // only from there to its use, never across a move point unless the
    // program itself keeps it across the call. One definition at the alloca
    // made every local whose address is used after a call a spilled and
    // reloaded value at every call in between: most locals of a large
    // function, at every call it makes.
    SmallVector<Use *, 8> Uses;
    for (Use &U : AI->uses())
      if (NotRecord(U))
        Uses.push_back(&U);
    auto *Id = new PtrToIntInst(AI, Type::getInt64Ty(Ctx), "",
                                AI->getNextNode());
    LocalIds.push_back(Id);
    // A phi names one value per predecessor, even when a switch reaches it
    // by several edges from one block.
    DenseMap<std::pair<PHINode *, BasicBlock *>, CallInst *> PhiDefs;
    for (Use *U : Uses) {
      auto *User = cast<Instruction>(U->getUser());
      Instruction *InsertPt = User;
      auto *Phi = dyn_cast<PHINode>(User);
      if (Phi) {
        BasicBlock *Pred = Phi->getIncomingBlock(*U);
        if (CallInst *Prev = PhiDefs.lookup({Phi, Pred})) {
          U->set(Prev);
          continue;
        }
        InsertPt = Pred->getTerminator();
      }
      IRBuilder<> B(InsertPt);
      CallInst *W = B.CreateCall(LocalAddrFn, {Id}, AI->getName() + ".addr");
      W->addFnAttr(Attribute::get(Ctx, LeafAttr));
      W->setDoesNotThrow();
      U->set(W);
      Wrappers.push_back(W);
      if (Phi)
        PhiDefs[{Phi, Phi->getIncomingBlock(*U)}] = W;
    }
  }

  auto &DT = FAM.getResult<DominatorTreeAnalysis>(F);
  auto &TTI = FAM.getResult<TargetIRAnalysis>(F);
  auto &TLI = FAM.getResult<TargetLibraryAnalysis>(F);
  {
    HiddenInlineAsm Hidden(F);
    RewriteStatepointsForGC().runOnFunction(F, DT, TTI, TLI);
  }

  // Lifetime markers must name the alloca itself for stack colouring.
  for (Instruction &I : make_early_inc_range(instructions(F))) {
    auto *II = dyn_cast<IntrinsicInst>(&I);
    if (!II || !II->isLifetimeStartOrEnd())
      continue;
    Value *P = II->getArgOperand(1);
    auto *R = dyn_cast<GCRelocateInst>(P);
    while (auto *Inner = dyn_cast<GCRelocateInst>(P)) // relocated at each call
      P = Inner->getDerivedPtr();
    // A static local's per-use definition, or a dynamic one's definition.
    AllocaInst *Local = LocalOf(P);
    if (auto *W = dyn_cast<CallInst>(P);
        !Local && W && W->getCalledOperand() == PlaceholderFn)
      Local = dyn_cast<AllocaInst>(W->getArgOperand(0));
    if (!Local)
      continue;
    II->setArgOperand(1, Local);
    if (R && R->use_empty())
      R->eraseFromParent();
  }
  relocateThroughSlotsOnUnwind(F);
  dropUnreadGCLive(F);
  // va_list records go on the statepoints RS4GC made (as deopt operands the
  // alloca itself: RS4GC would treat them as pointers needing a base).
  if (!VaLists.empty() || !PointerSlots.empty()) {
    SmallVector<CallBase *, 16> Statepoints;
    for (Instruction &I : instructions(F))
      if (auto *SP = dyn_cast<GCStatepointInst>(&I))
        Statepoints.push_back(SP);
    for (CallBase *SP : Statepoints) {
      CallBase *New = SP;
      if (!VaLists.empty())
        New = addRuntimeRecords(New, DeoptVaListTag, VaLists);
      if (!PointerSlots.empty())
        addRuntimeRecords(New, DeoptSlotTag, PointerSlots);
    }
  }
  for (WeakVH &VH : Wrappers) {
    auto *W = dyn_cast_or_null<CallInst>(VH);
    if (!W)
      continue;
    if (!W->use_empty()) {
      IRBuilder<> B(W);
      CallInst *A;
      if (AllocaInst *Local = LocalOf(W)) {
        A = B.CreateCall(FrameAddress, {Local});
        A->addParamAttr(0, Attribute::get(Ctx, Attribute::ElementType,
                                          Local->getAllocatedType()));
      } else {
        A = B.CreateCall(Opaque, {W->getArgOperand(0)});
      }
      A->takeName(W);
      A->setDoesNotThrow();
      W->replaceAllUsesWith(A);
    }
    W->eraseFromParent();
  }
  for (WeakVH &VH : LocalIds)
    if (auto *Id = dyn_cast_or_null<Instruction>(VH); Id && Id->use_empty())
      Id->eraseFromParent();
  PlaceholderFn->eraseFromParent();
  LocalAddrFn->eraseFromParent();

  ORE.emit([&] {
    return OptimizationRemark("gostack", "StackMaps", &F)
           << "stack maps at " << ore::NV("Calls", Candidates)
           << " call site(s)";
  });
  return Candidates;
}

} // namespace gostack
