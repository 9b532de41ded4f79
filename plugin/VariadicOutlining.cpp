//===- VariadicOutlining.cpp - check variadic functions -------------------===//
//
// X86FrameLowering aborts ("Segmented stacks do not support vararg
// functions") when a variadic function carries "split-stack". We split it:
//
//   T f(A a, ...) { va_list ap; va_start(ap, a); r = f.gostack.body(a, &ap);
//                   va_end(ap); return r; }
//
// The entry `f` keeps the symbol, the calling convention and the register
// save area; it is unchecked, but its frame is bounded (VariadicEntryBudget,
// covered by the runtime's guard reserve). Everything the user wrote, with
// its locals, moves into the body, which takes the caller's va_list by
// pointer, starts its own with va_copy, and is checked like any function.
// The va_list pointers point into the task stack; a move relocates them
// (docs/design.md, "The relocation invariant").
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"

#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace gostack {
namespace {

/// x86-64 SysV va_list: { i32 gp_offset, i32 fp_offset, ptr overflow,
/// ptr reg_save }, one element.
constexpr unsigned VaListSize = 24;
constexpr unsigned VaListAlign = 16;
/// What fast register allocation (-O0) may add to the entry's frame.
constexpr unsigned EntrySpillSlack = 32;

/// Attributes that make the callee own a copy of the argument; the body gets
/// the entry's pointer instead (a second copy would grow the unchecked entry).
void dropCopyingParamAttrs(AttributeList &AL, LLVMContext &Ctx,
                           unsigned NumParams) {
  for (unsigned I = 0; I != NumParams; ++I)
    for (Attribute::AttrKind K :
         {Attribute::ByVal, Attribute::InAlloca, Attribute::Preallocated})
      AL = AL.removeParamAttribute(Ctx, I, K);
}

/// Estimates the entry's outgoing stack arguments: SysV passes 6 integer and
/// 8 vector/FP arguments in registers, the rest in 8-byte stack slots.
unsigned outgoingStackBytes(FunctionType *BodyTy, const DataLayout &DL) {
  unsigned GPR = 0, FPR = 0, Stack = 0;
  for (Type *T : BodyTy->params()) {
    if (T->isX86_FP80Ty() || T->isFP128Ty()) {
      Stack = alignTo(Stack, 16) + 16; // always in memory, 16-aligned
      continue;
    }
    bool IsFP = T->isFloatingPointTy() || T->isVectorTy();
    unsigned Regs = T->isIntegerTy(128) ? 2 : 1;
    unsigned &Used = IsFP ? FPR : GPR;
    if (Used + Regs <= (IsFP ? 8u : 6u)) {
      Used += Regs;
      continue;
    }
    uint64_t Size = T->isSized() ? DL.getTypeAllocSize(T) : 8;
    Stack = alignTo(Stack, Size > 8 ? 16 : 8) + alignTo(Size, 8);
  }
  return alignTo(Stack, 16);
}

bool hasMustTailCall(Function &F) {
  for (Instruction &I : instructions(F))
    if (auto *CI = dyn_cast<CallInst>(&I); CI && CI->isMustTailCall())
      return true;
  return false;
}

/// gc.statepoint cannot wrap a call to a variadic function that returns a
/// value, so callers reach a value-returning variadic function through this
/// second entry, `void __gostack_vret.<f>(T *out, fixed..., ...)`: the same
/// va_start + body call, with the result stored through `out`
/// (StatepointRewriting.cpp, legalizeVarArgCall).
void createValueReturningEntry(Function &F, Function &Body,
                               AttributeList BodyCallAttrs) {
  Module &M = *F.getParent();
  LLVMContext &Ctx = M.getContext();
  FunctionType *FTy = F.getFunctionType();
  SmallVector<Type *, 8> Params{PointerType::getUnqual(Ctx)};
  Params.append(FTy->param_begin(), FTy->param_end());
  auto *VTy = FunctionType::get(Type::getVoidTy(Ctx), Params, true);
  Function *V = Function::Create(VTy, F.getLinkage(), F.getAddressSpace(),
                                 (rt::VarArgReturnPrefix + F.getName()).str(),
                                 &M);
  V->setVisibility(F.getVisibility());
  V->setDSOLocal(F.isDSOLocal());
  V->setComdat(F.getComdat());
  V->setCallingConv(F.getCallingConv());
  V->setAttributes(AttributeList::get(
      Ctx, F.getAttributes().getFnAttrs(), AttributeSet(), [&] {
        SmallVector<AttributeSet, 8> PA{AttributeSet()};
        for (unsigned I = 0; I != FTy->getNumParams(); ++I)
          PA.push_back(F.getAttributes().getParamAttrs(I));
        return PA;
      }()));
  V->removeFnAttr(Attribute::AlwaysInline);
  V->addFnAttr(Attribute::NoInline);

  IRBuilder<> B(BasicBlock::Create(Ctx, "entry", V));
  AllocaInst *Ap = B.CreateAlloca(ArrayType::get(B.getInt8Ty(), VaListSize),
                                  nullptr, "ap");
  Ap->setAlignment(Align(VaListAlign));
  B.CreateIntrinsic(Intrinsic::vastart, {Ap->getType()}, {Ap});
  SmallVector<Value *, 8> Args;
  for (unsigned I = 1; I != V->arg_size(); ++I)
    Args.push_back(V->getArg(I));
  Args.push_back(Ap);
  CallInst *Call = B.CreateCall(&Body, Args);
  Call->setCallingConv(F.getCallingConv());
  Call->setAttributes(BodyCallAttrs);
  B.CreateStore(Call, V->getArg(0));
  B.CreateIntrinsic(Intrinsic::vaend, {Ap->getType()}, {Ap});
  B.CreateRetVoid();
}

} // namespace

Function *outlineVariadicBody(Function &F, OptimizationRemarkEmitter &ORE) {
  Module &M = *F.getParent();
  LLVMContext &Ctx = M.getContext();

  // blockaddress constants name (function, block); moving the blocks would
  // leave them pointing at the entry.
  for (BasicBlock &BB : F)
    if (BB.hasAddressTaken()) {
      diagnose(F, "variadic function '" + F.getName() +
                      "' takes the address of a label and is not "
                      "instrumented; it must fit in the stack guard reserve");
      return nullptr;
    }
  // musttail forwarding of `...` needs the variadic frame itself.
  if (hasMustTailCall(F)) {
    diagnose(F, "variadic function '" + F.getName() +
                    "' forwards its arguments with musttail and is not "
                    "instrumented; it must fit in the stack guard reserve");
    return nullptr;
  }

  FunctionType *FTy = F.getFunctionType();
  SmallVector<Type *, 8> Params(FTy->params());
  Params.push_back(PointerType::getUnqual(Ctx));
  auto *BodyTy = FunctionType::get(FTy->getReturnType(), Params, false);

  // The value-returning entry passes one more pointer.
  SmallVector<Type *, 8> EntryParams{PointerType::getUnqual(Ctx)};
  EntryParams.append(Params.begin(), Params.end());
  unsigned StackArgs = outgoingStackBytes(
      FunctionType::get(FTy->getReturnType(), EntryParams, false),
      M.getDataLayout());
  // Register save area, the va_list (16-aligned), stack arguments, slack for
  // what -O0 spills, saved RBP and return address.
  if (176 + alignTo(VaListSize, VaListAlign) + StackArgs + EntrySpillSlack + 16 >
      VariadicEntryBudget) {
    diagnose(F, "variadic function '" + F.getName() +
                    "' has too many fixed parameters for its unchecked entry "
                    "frame to fit the stack guard reserve; not instrumented");
    return nullptr;
  }

  Function *Body = Function::Create(BodyTy, GlobalValue::InternalLinkage,
                                    F.getAddressSpace(),
                                    F.getName() + ".gostack.body", &M);
  Body->copyAttributesFrom(&F);
  Body->setLinkage(GlobalValue::InternalLinkage);
  Body->setVisibility(GlobalValue::DefaultVisibility);
  Body->setDLLStorageClass(GlobalValue::DefaultStorageClass);
  Body->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
  Body->setComdat(F.getComdat());
  AttributeList BodyAttrs = Body->getAttributes();
  dropCopyingParamAttrs(BodyAttrs, Ctx, FTy->getNumParams());
  Body->setAttributes(BodyAttrs);
  // Inlining the body back into the entry would undo the split.
  Body->removeFnAttr(Attribute::AlwaysInline);
  Body->addFnAttr(Attribute::NoInline);

  // Move the user's code, arguments and debug info into the body.
  Body->splice(Body->begin(), &F);
  for (unsigned I = 0, E = FTy->getNumParams(); I != E; ++I) {
    F.getArg(I)->replaceAllUsesWith(Body->getArg(I));
    Body->getArg(I)->takeName(F.getArg(I));
  }
  Argument *Incoming = Body->getArg(FTy->getNumParams());
  Incoming->setName("gostack.va_list");
  if (DISubprogram *SP = F.getSubprogram()) {
    Body->setSubprogram(SP);
    F.setSubprogram(nullptr);
  }

  // va_start in the body becomes a copy of the entry's va_list.
  SmallVector<IntrinsicInst *, 2> Starts;
  for (Instruction &I : instructions(*Body))
    if (auto *II = dyn_cast<IntrinsicInst>(&I);
        II && II->getIntrinsicID() == Intrinsic::vastart)
      Starts.push_back(II);
  for (IntrinsicInst *II : Starts) {
    IRBuilder<> B(II);
    Value *Ap = II->getArgOperand(0);
    B.CreateIntrinsic(Intrinsic::vacopy, {Ap->getType()}, {Ap, Incoming});
    II->eraseFromParent();
  }

  // The entry: va_start, call, va_end, return. Nothing else, so its frame
  // is the register save area plus the va_list.
  F.addFnAttr(attr::VariadicEntry);
  F.removeFnAttr(Attribute::AlwaysInline);
  F.addFnAttr(Attribute::NoInline);
  BasicBlock *Entry = BasicBlock::Create(Ctx, "entry", &F);
  IRBuilder<> B(Entry);
  AllocaInst *Ap = B.CreateAlloca(ArrayType::get(B.getInt8Ty(), VaListSize),
                                  nullptr, "ap");
  Ap->setAlignment(Align(VaListAlign));
  B.CreateIntrinsic(Intrinsic::vastart, {Ap->getType()}, {Ap});
  SmallVector<Value *, 8> Args;
  for (Argument &A : F.args())
    Args.push_back(&A);
  Args.push_back(Ap);
  CallInst *Call = B.CreateCall(Body, Args);
  Call->setCallingConv(F.getCallingConv());
  AttributeList CallAttrs = AttributeList::get(
      Ctx, AttributeSet(), BodyAttrs.getRetAttrs(),
      [&] {
        SmallVector<AttributeSet, 8> PA;
        for (unsigned I = 0; I != BodyTy->getNumParams(); ++I)
          PA.push_back(BodyAttrs.getParamAttrs(I));
        return PA;
      }());
  Call->setAttributes(CallAttrs);
  B.CreateIntrinsic(Intrinsic::vaend, {Ap->getType()}, {Ap});
  if (FTy->getReturnType()->isVoidTy())
    B.CreateRetVoid();
  else
    B.CreateRet(Call);

  if (!FTy->getReturnType()->isVoidTy())
    createValueReturningEntry(F, *Body, CallAttrs);

  ORE.emit([&] {
    return OptimizationRemark("gostack", "VariadicSplit", &F)
           << "variadic function split into an unchecked entry and a "
              "checked body";
  });
  return Body;
}

} // namespace gostack
