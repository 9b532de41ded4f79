//===- GostackPass.cpp - decide and instrument ----------------------------===//
//
// Which functions get a check, and what each gets:
//
//  * A module compiled with `-Xclang -fsplit-stack` (what gostack-clang
//    passes) arrives with "split-stack" on every function except those marked
//    __attribute__((no_split_stack)); we instrument exactly those. A module
//    with no tagged definition at all (plain `opt`, or clang without the flag)
//    gets every definition instrumented.
//  * Instrumented functions keep "split-stack": X86FrameLowering then emits the
//    check before the prologue (docs/design.md, "The prologue check"). Every
//    one of them has a frame (frame pointers are forced), so none skips it.
//  * Variadic functions cannot carry "split-stack" (the backend aborts); they
//    are split into an unchecked entry with a bounded frame and a checked
//    body (VariadicOutlining.cpp).
//  * Calls to code we did not compile go through the system stack
//    (ForeignCalls.cpp): decided at link time for direct calls, at run time
//    for indirect ones, which ask the function tables every module registers.
//  * `main` is renamed so the runtime's main can run it as task 1.
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"
#include "StackMapRegistration.h"

#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalAlias.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"

#include <cstdlib>

using namespace llvm;

static cl::opt<bool> EmitStackMapsOpt(
    "gostack-stack-maps", cl::init(true),
    cl::desc("Describe every call during which a stack may move with a stack "
             "map, for the runtime's precise relocation "
             "(GOSTACK_RELOCATE=precise). Experimental; also enabled by "
             "GOSTACK_STACK_MAPS=1 in the compiler's environment"));

namespace {
enum class IndirectCalls { Runtime, AssumeInstrumented };
} // namespace

static cl::opt<IndirectCalls> IndirectCallsOpt(
    "gostack-indirect-calls", cl::init(IndirectCalls::Runtime),
    cl::desc("How indirect calls from instrumented code reach their target "
             "(also GOSTACK_INDIRECT_CALLS in the compiler's environment)"),
    cl::values(clEnumValN(IndirectCalls::Runtime, "runtime",
                          "ask the runtime whether the target is "
                          "gostack-compiled, cache the answer per call site, "
                          "run other targets on the system stack (default)"),
               clEnumValN(IndirectCalls::AssumeInstrumented,
                          "assume-instrumented",
                          "call every target directly on the task stack")));

/// -mllvm options of a plugin loaded with -fpass-plugin are parsed before the
/// plugin is loaded, so the environment is the practical switch.
static bool emitStackMaps() {
  const char *Env = std::getenv("GOSTACK_STACK_MAPS");
  if (Env && *Env)
    return Env[0] == '1';
  return EmitStackMapsOpt;
}

static bool routeIndirectCalls(const Function &AnyF) {
  const char *Env = std::getenv("GOSTACK_INDIRECT_CALLS");
  if (!Env || !*Env)
    return IndirectCallsOpt == IndirectCalls::Runtime;
  StringRef V(Env);
  if (V == "runtime")
    return true;
  if (V != "assume-instrumented")
    gostack::diagnose(AnyF, "GOSTACK_INDIRECT_CALLS='" + V +
                                "' is neither 'runtime' nor "
                                "'assume-instrumented'; using 'runtime'");
  return V != "assume-instrumented";
}

namespace gostack {

void diagnose(const Function &F, const Twine &Msg, bool IsError) {
  DiagnosticLocation Loc(F.getSubprogram());
  F.getContext().diagnose(DiagnosticInfoUnsupported(
      F, "gostack: " + Msg, Loc, IsError ? DS_Error : DS_Warning));
}

namespace {

enum class Skip { No, NoSplitStack, Naked, CallingConv, Generated };

/// Why \p F must not get a check, if it must not.
Skip whyNotInstrumented(const Function &F, bool FrontendTagged) {
  if (F.hasFnAttribute(attr::Thunk) || F.hasFnAttribute(attr::VariadicEntry))
    return Skip::Generated;
  if (FrontendTagged && !F.hasFnAttribute(attr::SplitStack))
    return Skip::NoSplitStack;
  // A naked function has no prologue to put a check in.
  if (F.hasFnAttribute(Attribute::Naked))
    return Skip::Naked;
  // Interrupt handlers run on whatever stack the CPU gave them. GHC passes
  // an argument in RBP, which __morestack treats as the caller's frame
  // pointer; anyregcc may pass them in R10/R11, the check's scratch
  // registers. (Every other convention's registers, vector state included,
  // survive __morestack: runtime/morestack.S, runtime/vectorstate.c.)
  switch (F.getCallingConv()) {
  case CallingConv::X86_INTR:
  case CallingConv::GHC:
  case CallingConv::AnyReg:
    return Skip::CallingConv;
  default:
    return Skip::No;
  }
}

/// Names of the calling conventions whyNotInstrumented refuses.
StringRef callingConvName(CallingConv::ID CC) {
  switch (CC) {
  case CallingConv::X86_INTR:
    return "x86 interrupt";
  case CallingConv::GHC:
    return "GHC";
  case CallingConv::AnyReg:
    return "anyreg";
  default:
    return "unsupported";
  }
}

/// Inline asm the stack check cannot see into: a stack switch (it writes RSP)
/// leaves the task's guard in force on a foreign stack, and a call made from
/// inside the asm has no stack map, so a move during it is fatal.
void diagnoseInlineAsm(Function &F) {
  for (Instruction &I : instructions(F)) {
    auto *CB = dyn_cast<CallBase>(&I);
    if (!CB || !CB->isInlineAsm())
      continue;
    auto *IA = cast<InlineAsm>(CB->getCalledOperand());
    StringRef Cons = IA->getConstraintString();
    bool ClobbersSP = Cons.contains("~{rsp}") || Cons.contains("~{esp}") ||
                      Cons.contains("~{sp}");
    StringRef Text = IA->getAsmString();
    bool Calls = Text.contains("call ") || Text.contains("call\t") ||
                 Text.contains("callq");
    if (ClobbersSP)
      diagnose(F, "inline asm in '" + F.getName() +
                      "' clobbers the stack pointer; instrumented code it "
                      "runs on another stack is checked against this task's "
                      "guard (docs/design.md, \"Diagnostics\")");
    else if (Calls)
      diagnose(F, "inline asm in '" + F.getName() +
                      "' makes a call; the callee must not grow the stack, "
                      "as no stack map describes a call inside asm "
                      "(docs/design.md, \"Diagnostics\")");
  }
}

void reportSkipped(Function &F, Skip Why, OptimizationRemarkEmitter &ORE) {
  switch (Why) {
  case Skip::No:
  case Skip::Generated:
    return;
  case Skip::NoSplitStack:
    ORE.emit([&] {
      return OptimizationRemarkMissed("gostack", "NoSplitStack", &F)
             << "not instrumented: no_split_stack";
    });
    return;
  case Skip::Naked:
    diagnose(F, "naked function '" + F.getName() +
                    "' is not instrumented; it must fit in the stack guard "
                    "reserve (docs/design.md)");
    return;
  case Skip::CallingConv:
    diagnose(F, "function '" + F.getName() + "' uses the " +
                    callingConvName(F.getCallingConv()) +
                    " calling convention and is not instrumented; it must fit "
                    "in the stack guard reserve (docs/design.md)");
    return;
  }
}

/// Gives \p F the prologue check and a frame pointer.
void instrument(Function &F, OptimizationRemarkEmitter &ORE) {
  F.addFnAttr(attr::SplitStack);
  ORE.emit([&] {
    return OptimizationRemark("gostack", "Instrumented", &F)
           << "stack check inserted";
  });
}

/// Lets other translation units see, at link time, that \p F is ours: they
/// test the address of a weak reference to the marker (ForeignCalls.cpp).
void addInstrumentedMarker(Function &F) {
  // main is renamed and called by the runtime only.
  if (!F.hasExternalLinkage() || F.getName().empty() || F.getName() == "main")
    return;
  Module &M = *F.getParent();
  std::string Name = (rt::InstrumentedMarkerPrefix + F.getName()).str();
  if (M.getNamedValue(Name))
    return;
  auto *GA = GlobalAlias::create(Type::getInt8Ty(M.getContext()), 0,
                                 GlobalValue::ExternalLinkage, Name, &F, &M);
  GA->setVisibility(F.getVisibility());
  GA->setDSOLocal(F.isDSOLocal());
}

/// The runtime defines `main` and runs the user's as task 1.
void renameMain(Module &M, Function &Main) {
  if (Function *Existing = M.getFunction(rt::UserMain)) {
    diagnose(*Existing, "'" + rt::UserMain +
                            "' is reserved by the gostack runtime; main "
                            "will not run as a task",
             /*IsError=*/true);
    return;
  }
  Main.setName(rt::UserMain);
}

/// The backend calls __morestack and __morestack_allocate_stack_space by
/// name. Weak references keep the linker from taking libgcc's segmented-stack
/// versions out of libgcc.a when it links a shared library (their protocol is
/// not ours); the executable's runtime, which the library binds to at load
/// time, defines them (runtime/task.c keeps them linked in).
void makeRuntimeEntriesWeak(Module &M) {
  static constexpr StringLiteral Weak =
      ".weak __morestack\n.weak __morestack_allocate_stack_space\n"
      ".weak __morestack_non_split\n"
      ".pushsection .text.__gostack_nonsplit_plt,\"axG\",@progbits,"
      "__gostack_nonsplit_plt,comdat\n"
      ".weak __gostack_nonsplit_plt\n.hidden __gostack_nonsplit_plt\n"
      ".type __gostack_nonsplit_plt,@function\n"
      "__gostack_nonsplit_plt:\n\tjmp __morestack_non_split@PLT\n"
      ".size __gostack_nonsplit_plt, .-__gostack_nonsplit_plt\n"
      ".popsection";
  if (!StringRef(M.getModuleInlineAsm()).contains(Weak))
    M.appendModuleInlineAsm(Weak);
}

} // namespace

PreservedAnalyses GostackPass::run(Module &M, ModuleAnalysisManager &MAM) {
  auto &FAM = MAM.getResult<FunctionAnalysisManagerModuleProxy>(M).getManager();

  bool FrontendTagged = false;
  for (const Function &F : M)
    if (!F.isDeclaration() && F.hasFnAttribute(attr::SplitStack))
      FrontendTagged = true;

  // Decide first: the loop below adds functions to the module.
  SmallVector<Function *, 32> Work, Unchecked;
  for (Function &F : M) {
    if (F.isDeclaration())
      continue;
    // Every frame keeps a frame pointer: copystack and fatal backtraces walk
    // the chain, also through functions that are not checked.
    F.addFnAttr("frame-pointer", "all");
    Skip Why = whyNotInstrumented(F, FrontendTagged);
    if (Why == Skip::No) {
      diagnoseInlineAsm(F);
      Work.push_back(&F);
      continue;
    }
    F.removeFnAttr(attr::SplitStack);
    reportSkipped(F, Why, FAM.getResult<OptimizationRemarkEmitterAnalysis>(F));
    // no_split_stack code still runs on task stacks: it gets everything but
    // the check.
    if (Why == Skip::NoSplitStack)
      Unchecked.push_back(&F);
  }

  Function *Main = nullptr;
  const bool MapsOn = emitStackMaps();
  RoutingOptions Routing;
  Routing.StackMaps = MapsOn;
  Routing.RouteIndirect = Work.empty() || routeIndirectCalls(*Work.front());
  ThunkCache Thunks;
  // Compiled: every function the pass rewrites. Entries: the unchecked
  // variadic entries among them, safe to call on a task stack.
  SmallVector<Function *, 32> Compiled, Entries;
  for (Function *F : Work) {
    Function *Checked = F;
    if (F->isVarArg()) {
      F->removeFnAttr(attr::SplitStack);
      Checked = outlineVariadicBody(
          *F, FAM.getResult<OptimizationRemarkEmitterAnalysis>(*F));
      // F's analyses describe code that now lives in the body.
      FAM.clear(*F, F->getName());
      if (!Checked)
        continue;
    }
    instrument(*Checked,
               FAM.getResult<OptimizationRemarkEmitterAnalysis>(*Checked));
    Compiled.push_back(Checked);
    if (Checked != F) {
      Compiled.push_back(F); // the variadic entry, and its value-returning twin
      Entries.push_back(F);
      if (Function *V =
              M.getFunction((rt::VarArgReturnPrefix + F->getName()).str())) {
        Compiled.push_back(V);
        Entries.push_back(V);
      }
    }
    addInstrumentedMarker(*F);
    if (F->getName() == "main" && F->hasExternalLinkage())
      Main = F;
  }
  Compiled.append(Unchecked.begin(), Unchecked.end());

  for (Function *F : Compiled) {
    auto &ORE = FAM.getResult<OptimizationRemarkEmitterAnalysis>(*F);
    if (!F->hasFnAttribute(attr::VariadicEntry)) {
      pinCapturedAllocas(*F, ORE);
      registerJmpBufs(*F);
      routeForeignCalls(*F, FAM.getResult<TargetLibraryAnalysis>(*F), ORE,
                        Thunks, Routing);
    }
    FAM.invalidate(*F, PreservedAnalyses::none());
    if (MapsOn)
      rewriteStatepoints(*F, FAM, ORE);
  }
  lowerThreadAddresses(M);
  // The function table is what indirect call sites of every module ask
  // about (ForeignCalls.cpp), so it is emitted and registered also without
  // stack maps; otherwise every indirect call into this module would take the
  // system stack.
  SmallVector<Function *, 32> Checked;
  for (Function *F : Compiled)
    if (F->hasFnAttribute(attr::SplitStack))
      Checked.push_back(F);
  emitFunctionInfo(M, Checked, Entries, /*DiagnoseLayouts=*/MapsOn);
  if (!Compiled.empty())
    addStackMapRegistration(M);
  if (!Compiled.empty())
    makeRuntimeEntriesWeak(M);
  if (Main)
    renameMain(M, *Main);
  return Compiled.empty() ? PreservedAnalyses::all()
                          : PreservedAnalyses::none();
}

} // namespace gostack
