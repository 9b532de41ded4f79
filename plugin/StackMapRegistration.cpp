//===- StackMapRegistration.cpp - register stack maps from a constructor --===//
//
// Every module compiled with stack maps gets an internal constructor that
// passes the bounds of the executable's / DSO's `gostack_stackmaps` and
// `gostack_fninfo` sections (linker-defined __start_/__stop_ symbols, declared
// hidden so each DSO binds its own) to the runtime, and a destructor that
// unregisters them when the DSO is unloaded. Several objects of one DSO pass
// the same bounds; the runtime registers each DSO once.
//
//===----------------------------------------------------------------------===//

#include "StackMapRegistration.h"
#include "GostackPass.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

using namespace llvm;

namespace gostack {

namespace {

/// A hidden extern_weak declaration of a linker-defined section bound. Weak:
/// a module whose link has no such section sees null. Hidden: each executable
/// and DSO resolves it to its own section. Not dso_local: an undefined weak
/// symbol is 0, which a PC-relative reference cannot reach in a PIE, so the
/// backend goes through the GOT (statically resolved, no dynamic symbol).
Constant *sectionBound(Module &M, StringRef Name) {
  if (GlobalValue *Existing = M.getNamedValue(Name))
    return Existing;
  auto *GV =
      new GlobalVariable(M, Type::getInt8Ty(M.getContext()),
                         /*isConstant=*/false, GlobalValue::ExternalWeakLinkage,
                         /*Initializer=*/nullptr, Name);
  GV->setVisibility(GlobalValue::HiddenVisibility);
  return GV;
}

/// An internal void() function with the attributes that keep the gostack
/// pass's instrumentation, call routing and statepoint rewriting away.
Function *makeHelper(Module &M, StringRef Name) {
  LLVMContext &Ctx = M.getContext();
  auto *F = Function::Create(FunctionType::get(Type::getVoidTy(Ctx), false),
                             GlobalValue::InternalLinkage, Name, &M);
  F->addFnAttr(attr::Thunk);
  F->addFnAttr(Attribute::NoUnwind);
  F->addFnAttr("frame-pointer", "all");
  // The module's own code model, PIC level etc. apply; nothing else needed.
  return F;
}

} // namespace

void addStackMapRegistration(Module &M) {
  // Idempotent: the constructor's presence marks a module as done.
  if (Function *Existing = M.getFunction(stackmaps::Ctor))
    if (Existing->hasFnAttribute(attr::Thunk))
      return;

  LLVMContext &Ctx = M.getContext();
  Type *PtrTy = PointerType::getUnqual(Ctx);
  Type *VoidTy = Type::getVoidTy(Ctx);

  Constant *MapsBegin = sectionBound(M, stackmaps::MapsBegin);
  Constant *MapsEnd = sectionBound(M, stackmaps::MapsEnd);
  Constant *FnInfoBegin = sectionBound(M, stackmaps::FnInfoBegin);
  Constant *FnInfoEnd = sectionBound(M, stackmaps::FnInfoEnd);

  FunctionCallee Register = M.getOrInsertFunction(
      stackmaps::RegisterModule,
      FunctionType::get(VoidTy, {PtrTy, PtrTy, PtrTy, PtrTy}, false));
  FunctionCallee Unregister = M.getOrInsertFunction(
      stackmaps::UnregisterModule, FunctionType::get(VoidTy, {PtrTy}, false));
  for (FunctionCallee FC : {Register, Unregister})
    if (auto *F = dyn_cast<Function>(FC.getCallee()))
      F->addFnAttr(Attribute::NoUnwind);

  {
    Function *Ctor = makeHelper(M, stackmaps::Ctor);
    IRBuilder<> B(BasicBlock::Create(Ctx, "entry", Ctor));
    B.CreateCall(Register, {MapsBegin, MapsEnd, FnInfoBegin, FnInfoEnd});
    B.CreateRetVoid();
    appendToGlobalCtors(M, Ctor, stackmaps::Priority);
  }
  {
    // The runtime keys a module by maps_begin, or by fninfo_begin when the
    // module has no stack maps at all (then __start_gostack_stackmaps is 0).
    Function *Dtor = makeHelper(M, stackmaps::Dtor);
    IRBuilder<> B(BasicBlock::Create(Ctx, "entry", Dtor));
    Value *HasMaps = B.CreateIsNotNull(MapsBegin);
    Value *Key = B.CreateSelect(HasMaps, MapsBegin, FnInfoBegin);
    B.CreateCall(Unregister, {Key});
    B.CreateRetVoid();
    appendToGlobalDtors(M, Dtor, stackmaps::Priority);
  }
}

} // namespace gostack
