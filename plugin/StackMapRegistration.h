//===- StackMapRegistration.h - hand stack maps to the runtime --*- C++ -*-===//
//
// The "gostack" GC strategy's stack maps (LLVM StackMap format v3) are emitted
// by StackMapPrinter.cpp into the writable ELF section `gostack_stackmaps`
// instead of `.llvm_stackmaps`, so that PIE executables and shared objects
// need no text relocations. The linker defines __start_/__stop_ symbols for
// it (and for `gostack_fninfo`) in every executable and DSO; a constructor the
// plugin adds to each module hands the bounds to the runtime
// (runtime/stackmap.c). docs/design.md, "Stack maps".
//
//===----------------------------------------------------------------------===//

#ifndef GOSTACK_PLUGIN_STACKMAPREGISTRATION_H
#define GOSTACK_PLUGIN_STACKMAPREGISTRATION_H

#include "llvm/ADT/StringRef.h"

namespace llvm {
class Module;
} // namespace llvm

namespace gostack {

/// Names shared with the runtime (runtime/stackmap.h). Changing one means
/// changing both sides.
namespace stackmaps {
/// Section of the v3 stack map blobs (SHF_ALLOC|SHF_WRITE, 8-aligned). Must
/// stay a valid C identifier: the linker defines __start_/__stop_ only then.
inline constexpr llvm::StringLiteral Section = "gostack_stackmaps";
/// Section of the per-function records
/// `struct { uint64_t fn_addr; uint32_t ptr_arg_regs; uint32_t flags; }`.
inline constexpr llvm::StringLiteral FnInfoSection = "gostack_fninfo";
inline constexpr llvm::StringLiteral MapsBegin = "__start_gostack_stackmaps";
inline constexpr llvm::StringLiteral MapsEnd = "__stop_gostack_stackmaps";
inline constexpr llvm::StringLiteral FnInfoBegin = "__start_gostack_fninfo";
inline constexpr llvm::StringLiteral FnInfoEnd = "__stop_gostack_fninfo";
/// void __gostack_register_module(const void *maps_begin,
///     const void *maps_end, const void *fninfo_begin, const void *fninfo_end)
inline constexpr llvm::StringLiteral RegisterModule =
    "__gostack_register_module";
/// void __gostack_unregister_module(const void *key), key = maps_begin, or
/// fninfo_begin when the module has no stack maps.
inline constexpr llvm::StringLiteral UnregisterModule =
    "__gostack_unregister_module";
/// The internal constructor / destructor the plugin adds.
inline constexpr llvm::StringLiteral Ctor = "gostack.stackmaps.register";
inline constexpr llvm::StringLiteral Dtor = "gostack.stackmaps.unregister";
/// llvm.global_ctors / global_dtors priority. 0-100 is the range C compilers
/// reserve for the implementation (GCC warns on user priorities below 101):
/// 100 registers the maps before every user constructor of the same
/// executable or DSO (user priorities are 101..65535, then the unprioritized
/// ones), while leaving 0..99 to earlier implementation pieces such as the
/// sanitizers' module constructors. The destructor with the same priority runs
/// after every user destructor of the module.
inline constexpr int Priority = 100;
} // namespace stackmaps

/// Adds, once per module: hidden extern_weak declarations of the four
/// __start_/__stop_ symbols, an internal constructor (llvm.global_ctors,
/// priority stackmaps::Priority) calling __gostack_register_module with them,
/// and an internal destructor (llvm.global_dtors) calling
/// __gostack_unregister_module. Both functions carry the "gostack-thunk"
/// attribute, so the gostack pass neither instruments nor rewrites them.
/// Calling it again on the same module changes nothing.
void addStackMapRegistration(llvm::Module &M);

} // namespace gostack

#endif // GOSTACK_PLUGIN_STACKMAPREGISTRATION_H
