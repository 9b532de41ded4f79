//===- GostackPass.h - Go-style growable stacks for C/C++ -------*- C++ -*-===//
//
// The gostack module pass: gives every instrumented function LLVM's split-stack
// prologue check (SP against the guard in %fs:0x70, __morestack when short),
// forces frame pointers, splits variadic functions so they can be checked too,
// and routes calls into code the plugin did not compile onto the thread's
// system stack. The runtime (runtime/) owns the memory: see docs/design.md.
//
//===----------------------------------------------------------------------===//

#ifndef GOSTACK_PLUGIN_GOSTACKPASS_H
#define GOSTACK_PLUGIN_GOSTACKPASS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/PassManager.h"

#include <map>
#include <tuple>

namespace llvm {
class AllocaInst;
class CallBase;
class Function;
class Module;
class OptimizationRemarkEmitter;
class TargetLibraryInfo;
} // namespace llvm

namespace gostack {

/// Names shared with the runtime (runtime/*.S, runtime/*.c). Changing one
/// means changing both sides.
namespace rt {
/// Renamed user `main`; the runtime's `main` runs it as task 1.
inline constexpr llvm::StringLiteral UserMain = "__gostack_main";
/// void __gostack_systemstack_call(void (*Thunk)(void *), void *Frame):
/// runs Thunk(Frame) on the thread's system stack.
inline constexpr llvm::StringLiteral SystemStackCall =
    "__gostack_systemstack_call";
/// Prefix of the marker alias every instrumented external function gets, so
/// that other translation units can tell at link time that it is ours.
inline constexpr llvm::StringLiteral InstrumentedMarkerPrefix = "__gostack_fn.";
/// void __gostack_vcall(ptr nest Callee, ...): sets AL for a variadic move
/// point (gc.statepoint does not) and jumps to Callee.
inline constexpr llvm::StringLiteral VarArgCall = "__gostack_vcall";
/// void __gostack_jmpbuf_register(void *Buf) / _unregister: a jmp_buf whose
/// saved SP and RBP the runtime updates on every move.
inline constexpr llvm::StringLiteral JmpBufRegister = "__gostack_jmpbuf_register";
inline constexpr llvm::StringLiteral JmpBufUnregister =
    "__gostack_jmpbuf_unregister";
/// Prefix of the value-returning entry of a split variadic function.
inline constexpr llvm::StringLiteral VarArgReturnPrefix = "__gostack_vret.";
/// Pinned area of the running task (SafeStack-style, initial-exec TLS).
inline constexpr llvm::StringLiteral PinnedSP = "__gostack_pinned_sp";
inline constexpr llvm::StringLiteral PinnedLimit = "__gostack_pinned_limit";
/// void *__gostack_pinned_grow(size_t Size, size_t Align): a new chunk.
inline constexpr llvm::StringLiteral PinnedGrow = "__gostack_pinned_grow";
/// void __gostack_ensure_stack(size_t Bytes): grows the task stack (a move
/// point with a stack map) so that a dynamic alloca of Bytes fits.
inline constexpr llvm::StringLiteral EnsureStack = "__gostack_ensure_stack";
/// void *__gostack_pinned_alloca(size_t Size, size_t Align): dynamic alloca.
inline constexpr llvm::StringLiteral PinnedAlloca = "__gostack_pinned_alloca";
/// int __gostack_is_instrumented(const void *Fn): whether Fn is the entry of
/// a function a registered module lists in its gostack_fninfo table
/// (runtime/stackmap.c). Asked by indirect call sites on a cache miss.
inline constexpr llvm::StringLiteral IsInstrumented =
    "__gostack_is_instrumented";
} // namespace rt

/// Function attribute names the plugin reads or writes.
namespace attr {
inline constexpr llvm::StringLiteral SplitStack = "split-stack";
/// Marks the variadic entry the plugin split off (unchecked, bounded frame).
inline constexpr llvm::StringLiteral VariadicEntry = "gostack-variadic-entry";
/// Marks the system-stack thunks the plugin generates.
inline constexpr llvm::StringLiteral Thunk = "gostack-thunk";
} // namespace attr

/// Bytes of stack the variadic entry may use without a check: the 176-byte
/// register save area, the 24-byte va_list, saved RBP and return address.
/// runtime/internal.h's GOSTACK_STACK_GUARD reserve is sized for it.
inline constexpr unsigned VariadicEntryBudget = 288;

class GostackPass : public llvm::PassInfoMixin<GostackPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M,
                              llvm::ModuleAnalysisManager &MAM);
  static bool isRequired() { return true; }
};

/// VariadicOutlining.cpp: moves the body of variadic \p F into a new internal
/// non-variadic function taking a va_list pointer, and leaves in \p F only
/// va_start + call + va_end. Returns the new body, or nullptr (after a
/// diagnostic) when \p F cannot be split.
llvm::Function *outlineVariadicBody(llvm::Function &F,
                                    llvm::OptimizationRemarkEmitter &ORE);

/// The function a call names, also through a K&R / unprototyped call whose
/// type differs from the declaration's (getCalledFunction() is null there).
llvm::Function *calledFunction(const llvm::CallBase &CB);

/// JmpBufRecords.cpp: registers the jmp_buf of every setjmp-family call in
/// \p F with the runtime after the call, and unregisters it at \p F's exits.
unsigned registerJmpBufs(llvm::Function &F);

/// ForeignCalls.cpp: whether \p Name belongs to the gostack runtime (its C API,
/// the __gostack_* entry points, __morestack*).
bool isRuntimeFunctionName(llvm::StringRef Name);

/// ForeignCalls.cpp: whether a direct call to declaration \p Callee stays on
/// the task stack because it is a small leaf library function, setjmp-like,
/// or part of the runtime (as opposed to a gostack-compiled callee).
bool isTaskStackLibraryCall(const llvm::CallBase &CB,
                            const llvm::Function &Callee);

/// StatepointRewriting.cpp: gives \p F `gc "gostack"` and turns each call
/// during which its stack may move into a gc.statepoint. Returns the number
/// of such calls.
unsigned rewriteStatepoints(llvm::Function &F,
                            llvm::FunctionAnalysisManager &FAM,
                            llvm::OptimizationRemarkEmitter &ORE);

/// PinnedAllocas.cpp: whether \p AI is a va_list object (va_start/va_copy
/// target). Its contents point into the moving stack by ABI.
bool isVaList(const llvm::AllocaInst &AI);

/// StatepointRewriting.cpp: emits the per-function table, section
/// "gostack_fninfo": for the functions in \p Checked, which argument
/// registers and stack argument slots hold pointers at entry (read at
/// __morestack); for the unchecked variadic entries in \p Entries, a record
/// flagged as such. Indirect call sites ask the runtime whether a target is
/// in some module's table, so it is emitted with or without stack maps;
/// \p DiagnoseLayouts (maps on) warns about parameters it cannot classify.
void emitFunctionInfo(llvm::Module &M, llvm::ArrayRef<llvm::Function *> Checked,
                      llvm::ArrayRef<llvm::Function *> Entries,
                      bool DiagnoseLayouts);

/// PinnedAllocas.cpp: moves the locals of \p F whose address may escape into
/// the task's pinned area. Returns the number of locals pinned.
unsigned pinCapturedAllocas(llvm::Function &F,
                            llvm::OptimizationRemarkEmitter &ORE);

/// PinnedAllocas.cpp: replaces the placeholders that pinCapturedAllocas
/// leaves for the pinned-state TLS addresses with inline asm that reads the
/// thread pointer at each access. Runs after rewriteStatepoints, which cannot
/// handle inline asm.
void lowerThreadAddresses(llvm::Module &M);

/// ForeignCalls.cpp: one thunk per (callee, call signature, attributes,
/// calling convention) and module.
struct ThunkCache {
  /// (callee, frame type, function type, call-site attributes, calling
  /// convention). The callee is null for the thunks of indirect calls, which
  /// find it in the first field of their frame.
  using Key = std::tuple<const void *, const void *, const void *,
                         const void *, unsigned>;
  std::map<Key, llvm::Function *> Thunks;
};

/// How routeForeignCalls treats what it cannot decide at compile time.
struct RoutingOptions {
  /// Indirect calls ask the runtime (per-call-site cache) whether the target
  /// is instrumented; otherwise they are assumed to be
  /// (-gostack-indirect-calls=assume-instrumented).
  bool RouteIndirect = true;
  /// Stack maps are emitted: a value-returning variadic call cannot be a
  /// move point, so such indirect calls always take the system stack.
  bool StackMaps = true;
};

/// ForeignCalls.cpp: routes calls in \p F whose callee the plugin did not
/// compile through the system-stack trampoline: direct calls by a link-time
/// marker test, indirect calls by a run-time test. Returns the number of
/// call sites rewritten.
unsigned routeForeignCalls(llvm::Function &F, llvm::TargetLibraryInfo &TLI,
                           llvm::OptimizationRemarkEmitter &ORE,
                           ThunkCache &Thunks, const RoutingOptions &Opts);

/// Reports a problem with \p F through LLVM's diagnostic machinery (clang
/// prints it with the source location); never aborts compilation.
void diagnose(const llvm::Function &F, const llvm::Twine &Msg,
              bool IsError = false);

} // namespace gostack

#endif // GOSTACK_PLUGIN_GOSTACKPASS_H
