//===- StackMapStrategy.cpp - the "gostack" GC strategy -------------------===//
//
// Stack maps come from LLVM's statepoint machinery: a function with
// `gc "gostack"` may contain gc.statepoint calls whose "gc-live" values the
// backend spills to stack slots and records in the stack map. Every pointer
// counts as managed: any of them may point into the moving stack (the runtime
// relocates only the values that do; docs/design.md, "The relocation invariant").
//
//===----------------------------------------------------------------------===//

#include "llvm/IR/GCStrategy.h"
#include "llvm/IR/DerivedTypes.h"

using namespace llvm;

namespace {

class GostackGC : public GCStrategy {
public:
  GostackGC() {
    UseStatepoints = true;
    UseRS4GC = true;
    // Maps are consumed by the gostack runtime (runtime/stackmap.c). With
    // metadata, AsmPrinter hands them to our GCMetadataPrinter
    // (StackMapPrinter.cpp), which writes them into the writable
    // `gostack_stackmaps` section instead of `.llvm_stackmaps` (text
    // relocations in PIE). Nothing else keys on it: safe points are not
    // requested (NeededSafePoints stays false, so no GC_LABELs are inserted)
    // and the printer's begin/finishAssembly are the default no-ops.
    UsesMetadata = true;
  }

  std::optional<bool> isGCManagedPointer(const Type *Ty) const override {
    return Ty->isPtrOrPtrVectorTy();
  }
};

GCRegistry::Add<GostackGC> X("gostack",
                             "gostack: every pointer may point into a moving stack");

} // namespace
