//===- StackMapPrinter.cpp - stack maps without text relocations ----------===//
//
// LLVM serializes statepoint stack maps into `.llvm_stackmaps`, a read-only
// section holding absolute function addresses: in a PIE (Debian's default)
// or a DSO that means text relocations. The "gostack" strategy's printer
// writes the same StackMap v3 blob (llvm/docs/StackMaps.rst, byte for byte
// what StackMaps::serializeToStackMapSection emits) into `gostack_stackmaps`,
// an "aw" section the dynamic linker may relocate, and the runtime
// (runtime/stackmap.c) finds it through __start_/__stop_ symbols
// (StackMapRegistration.cpp).
//
// Two deliberate differences from `.llvm_stackmaps`, both in what the
// relocations refer to and how sections are grouped, not in the blob format:
//  * FunctionAddress is `L - (L - fn)` with L the function's first call-site
//    label: a reference to the function's own code (section symbol + offset)
//    rather than to its possibly preemptible global symbol. In a DSO, an
//    R_X86_64_64 against a default-visibility `fn` would be bound by the
//    dynamic linker to whichever definition wins interposition, attaching this
//    object's records to someone else's code.
//  * One blob per code section: each `gostack_stackmaps` section is
//    SHF_LINK_ORDER-linked to the section holding its functions, and in that
//    section's COMDAT group if it has one. The linker keeps or drops the maps
//    exactly with the code: a discarded duplicate of an inline function takes
//    its records along (a reference from an ungrouped section to discarded code
//    would be an error or point at the kept copy), and --gc-sections neither
//    drops the maps of live code (lld's default -z start-stop-gc does not let
//    __start_/__stop_ references retain sections) nor keeps dead code alive
//    through them (lld). Without -ffunction-sections and COMDATs all functions
//    share `.text`, so there is a single blob: exactly LLVM's bytes.
//
//===----------------------------------------------------------------------===//

#include "StackMapRegistration.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/CodeGen/AsmPrinter.h"
#include "llvm/CodeGen/GCMetadataPrinter.h"
#include "llvm/CodeGen/StackMaps.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCExpr.h"
#include "llvm/MC/MCSectionELF.h"
#include "llvm/MC/MCStreamer.h"
#include "llvm/MC/MCSymbolELF.h"
#include "llvm/Support/Alignment.h"

#include <cstdint>
#include <vector>

using namespace llvm;

namespace {

// StackMaps keeps its constant pool private and LLVM 19 has no accessor, yet
// ConstantIndex locations (statepoint operands that do not fit in 32 bits)
// refer into it. Explicit instantiation is exempt from access checking
// ([temp.spec.general]), which gives a pointer to the member; the layout is
// the one of the headers the plugin is compiled against.
template <typename Tag, typename Tag::type Member> struct MemberAccess {
  friend typename Tag::type memberOf(Tag) { return Member; }
};
struct ConstPoolTag {
  using type = StackMaps::ConstantPool StackMaps::*;
  friend type memberOf(ConstPoolTag);
};
template struct MemberAccess<ConstPoolTag, &StackMaps::ConstPool>;

const StackMaps::ConstantPool &constantPool(StackMaps &SM) {
  return SM.*memberOf(ConstPoolTag{});
}

constexpr uint8_t StackMapVersion = 3;

/// The functions of one output blob (those in one code section): indices into
/// FnInfos, in FnInfos order.
struct Blob {
  const MCSectionELF *Code = nullptr; // null if unknown: an unlinked blob
  const MCSymbolELF *FirstFn = nullptr;
  std::vector<size_t> Functions;
};

class GostackGCPrinter : public GCMetadataPrinter {
public:
  bool emitStackMaps(StackMaps &SM, AsmPrinter &AP) override;
};

/// A writable, allocated section for the blob of the functions in \p B.Code:
/// linked to that section and in its group.
MCSection *blobSection(MCContext &Ctx, const Blob &B) {
  unsigned Flags = ELF::SHF_ALLOC | ELF::SHF_WRITE;
  if (!B.Code || !B.FirstFn)
    return Ctx.getELFSection(gostack::stackmaps::Section, ELF::SHT_PROGBITS,
                             Flags);
  Flags |= ELF::SHF_LINK_ORDER;
  const MCSymbolELF *Group = B.Code->getGroup();
  if (Group)
    Flags |= ELF::SHF_GROUP;
  return Ctx.getELFSection(gostack::stackmaps::Section, ELF::SHT_PROGBITS,
                           Flags, /*EntrySize=*/0, Group, B.Code->isComdat(),
                           MCSection::NonUniqueID, B.FirstFn);
}

/// The address of the function whose first call site is \p FirstCS: the
/// call-site label minus its offset from the function entry, which the
/// assembler folds into "that label's section + constant".
const MCExpr *functionAddress(const MCSymbol *FnSym,
                              const StackMaps::CallsiteInfo &FirstCS,
                              MCContext &Ctx) {
  // CSOffsetExpr is `Label - CurrentFnSymForSize` (StackMaps.cpp).
  if (const auto *Sub = dyn_cast<MCBinaryExpr>(FirstCS.CSOffsetExpr))
    if (Sub->getOpcode() == MCBinaryExpr::Sub &&
        isa<MCSymbolRefExpr>(Sub->getLHS()))
      return MCBinaryExpr::createSub(Sub->getLHS(), FirstCS.CSOffsetExpr, Ctx);
  return MCSymbolRefExpr::create(FnSym, Ctx);
}

void emitLocation(MCStreamer &OS, const StackMaps::Location &Loc) {
  OS.emitIntValue(Loc.Type, 1);
  OS.emitIntValue(0, 1); // Reserved
  OS.emitInt16(Loc.Size);
  OS.emitInt16(Loc.Reg);
  OS.emitInt16(0); // Reserved
  OS.emitInt32(Loc.Offset);
}

/// A statepoint record as the runtime reads it (runtime/adjustframes.c): the
/// header (calling convention, flags, deopt count) and the deopt section (the
/// runtime records) unchanged, and of the gc section only what a move must
/// update, the spill slots (Indirect) and anything the runtime must refuse
/// (Register). Direct locations (an alloca's address: frame-relative,
/// recomputed after the call) and constants need nothing, nor does a slot named
/// twice; at -O0 every live alloca is a Direct pair, and the frame walk costs
/// a step per location.
StackMaps::LocationVec compactLocations(const StackMaps::LocationVec &Locs,
                                        const StackMaps::ConstantPool &Pool) {
  using Loc = StackMaps::Location;
  if (Locs.size() < 3)
    return Locs;
  uint64_t NDeopt;
  if (Locs[2].Type == Loc::Constant)
    NDeopt = uint64_t(int64_t(Locs[2].Offset));
  else if (Locs[2].Type == Loc::ConstantIndex &&
           uint64_t(Locs[2].Offset) < Pool.size())
    NDeopt = (Pool.begin() + Locs[2].Offset)->second;
  else
    return Locs; // not a statepoint record: the runtime reports it
  if (NDeopt > Locs.size() - 3)
    return Locs;
  StackMaps::LocationVec Out(Locs.begin(), Locs.begin() + 3 + NDeopt);
  size_t FirstGC = Out.size();
  for (size_t I = 3 + NDeopt; I < Locs.size(); ++I) {
    const Loc &L = Locs[I];
    if (L.Type == Loc::Direct || L.Type == Loc::Constant ||
        L.Type == Loc::ConstantIndex)
      continue;
    // A (base, derived) pair of one pointer names its slot twice.
    const Loc *Prev = Out.size() > FirstGC ? &Out.back() : nullptr;
    if (Prev && Prev->Type == L.Type && Prev->Reg == L.Reg &&
        Prev->Offset == L.Offset && Prev->Size == L.Size)
      continue;
    Out.push_back(L);
  }
  return Out;
}

/// StkMapRecord, as StackMaps::emitCallsiteEntries writes it.
void emitCallsite(MCStreamer &OS, const StackMaps::CallsiteInfo &CSI) {
  const StackMaps::LocationVec &Locs = CSI.Locations;
  const StackMaps::LiveOutVec &LiveOuts = CSI.LiveOuts;
  // LLVM's marker for a record the format cannot hold.
  if (Locs.size() > UINT16_MAX || LiveOuts.size() > UINT16_MAX) {
    OS.emitIntValue(UINT64_MAX, 8); // Invalid ID.
    OS.emitValue(CSI.CSOffsetExpr, 4);
    OS.emitInt16(0); // Reserved.
    OS.emitInt16(0); // 0 locations.
    OS.emitInt16(0); // padding.
    OS.emitInt16(0); // 0 live-out registers.
    OS.emitInt32(0); // padding.
    return;
  }
  OS.emitIntValue(CSI.ID, 8);
  OS.emitValue(CSI.CSOffsetExpr, 4);
  OS.emitInt16(0); // Reserved for flags.
  OS.emitInt16(Locs.size());
  for (const StackMaps::Location &Loc : Locs)
    emitLocation(OS, Loc);
  OS.emitValueToAlignment(Align(8));
  OS.emitInt16(0); // Padding.
  OS.emitInt16(LiveOuts.size());
  for (const StackMaps::LiveOutReg &LO : LiveOuts) {
    OS.emitInt16(LO.DwarfRegNum);
    OS.emitIntValue(0, 1);
    OS.emitIntValue(LO.Size, 1);
  }
  OS.emitValueToAlignment(Align(8));
}

bool GostackGCPrinter::emitStackMaps(StackMaps &SM, AsmPrinter &AP) {
  StackMaps::FnInfoMap &FnInfos = SM.getFnInfos();
  StackMaps::CallsiteInfoList &CSInfos = SM.getCSInfos();
  const StackMaps::ConstantPool &ConstPool = constantPool(SM);
  // No statepoints in the module: no section at all (as LLVM).
  if (CSInfos.empty())
    return true;

  MCContext &Ctx = AP.OutContext;
  MCStreamer &OS = *AP.OutStreamer;

  // Records are appended function by function, so function I owns the
  // RecordCount records after those of functions 0..I-1.
  std::vector<size_t> FirstRecord(FnInfos.size());
  uint64_t Total = 0;
  for (size_t I = 0; I < FnInfos.size(); ++I) {
    FirstRecord[I] = Total;
    Total += (FnInfos.begin() + I)->second.RecordCount;
  }
  if (Total != CSInfos.size()) {
    // Not a layout StackMaps produces; do not guess which record is whose.
    Ctx.reportError(SMLoc(), "gostack: stack map has " + Twine(CSInfos.size()) +
                                 " call sites but its functions claim " +
                                 Twine(Total));
    return true;
  }

  // The code section of each function: its symbol was emitted there.
  MapVector<const MCSection *, Blob> Blobs;
  for (size_t I = 0; I < FnInfos.size(); ++I) {
    const MCSymbol *Fn = (FnInfos.begin() + I)->first;
    const MCSection *Code = Fn->isInSection() ? &Fn->getSection() : nullptr;
    Blob &B = Blobs[Code];
    if (B.Functions.empty()) {
      B.Code = dyn_cast_or_null<MCSectionELF>(Code);
      B.FirstFn = dyn_cast<MCSymbolELF>(Fn);
    }
    B.Functions.push_back(I);
  }

  // A blob's constant pool: LLVM's pool, or (for a blob holding only some
  // functions) the constants its records use, renumbered.
  for (auto &Entry : Blobs) {
    Blob &B = Entry.second;
    bool Whole = Blobs.size() == 1;
    std::vector<uint64_t> Constants;
    DenseMap<uint64_t, uint64_t> Renumber; // LLVM pool index -> blob index
    if (Whole) {
      for (const auto &C : ConstPool)
        Constants.push_back(C.second);
    } else {
      for (size_t I : B.Functions)
        for (uint64_t R = 0; R < (FnInfos.begin() + I)->second.RecordCount; ++R)
          for (const StackMaps::Location &Loc :
               CSInfos[FirstRecord[I] + R].Locations)
            if (Loc.Type == StackMaps::Location::ConstantIndex &&
                !Renumber.count(uint64_t(Loc.Offset)) &&
                uint64_t(Loc.Offset) < ConstPool.size()) {
              Renumber[uint64_t(Loc.Offset)] = Constants.size();
              Constants.push_back((ConstPool.begin() + Loc.Offset)->second);
            }
    }

    OS.switchSection(blobSection(Ctx, B));
    OS.emitValueToAlignment(Align(8));

    // Header.
    uint64_t NumRecords = 0;
    for (size_t I : B.Functions)
      NumRecords += (FnInfos.begin() + I)->second.RecordCount;
    OS.emitIntValue(StackMapVersion, 1);
    OS.emitIntValue(0, 1); // Reserved.
    OS.emitInt16(0);       // Reserved.
    OS.emitInt32(B.Functions.size());
    OS.emitInt32(Constants.size());
    OS.emitInt32(NumRecords);

    // StkSizeRecord[NumFunctions].
    for (size_t I : B.Functions) {
      const auto &FR = *(FnInfos.begin() + I);
      OS.emitValue(functionAddress(FR.first, CSInfos[FirstRecord[I]], Ctx), 8);
      OS.emitIntValue(FR.second.StackSize, 8);
      OS.emitIntValue(FR.second.RecordCount, 8);
    }

    // Constants[NumConstants].
    for (uint64_t C : Constants)
      OS.emitIntValue(C, 8);

    // StkMapRecord[NumRecords].
    for (size_t I : B.Functions)
      for (uint64_t R = 0; R < (FnInfos.begin() + I)->second.RecordCount; ++R) {
        StackMaps::CallsiteInfo Copy = CSInfos[FirstRecord[I] + R];
        Copy.Locations = compactLocations(Copy.Locations, ConstPool);
        if (Whole) {
          emitCallsite(OS, Copy);
          continue;
        }
        for (StackMaps::Location &Loc : Copy.Locations)
          if (Loc.Type == StackMaps::Location::ConstantIndex)
            Loc.Offset = int32_t(Renumber.lookup(uint64_t(Loc.Offset)));
        emitCallsite(OS, Copy);
      }
  }

  // As serializeToStackMapSection does: nothing is emitted twice, also when
  // another GC strategy in the module asks for the default `.llvm_stackmaps`
  // (which would bring back the text relocations).
  SM.reset();
  return true;
}

GCMetadataPrinterRegistry::Add<GostackGCPrinter>
    X("gostack",
      "gostack: StackMap v3 in a writable gostack_stackmaps section");

} // namespace
