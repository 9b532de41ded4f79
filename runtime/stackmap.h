// Stack maps: the call-site records LLVM's statepoint lowering produces for functions with
// `gc "gostack"` (StackMap format v3, llvm/docs/StackMaps.rst), and the per-function entry
// records the plugin emits. docs/design.md, "Stack maps".
//
// Where they come from: the plugin's GCMetadataPrinter (plugin/StackMapPrinter.cpp) writes the
// v3 blobs into the writable section `gostack_stackmaps` (no text relocations in PIE); the
// plugin's IR emits `gostack_fninfo` records. A constructor in every compiled module
// (plugin/StackMapRegistration.cpp) passes the linker-defined __start_/__stop_ bounds of both
// sections of its executable or DSO to __gostack_register_module.
//
// Concurrency: registration (start-up, dlopen, dlclose) takes a mutex and publishes a new
// immutable index; lookups (stack moves, any thread) never lock or allocate. See stackmap.c.
#ifndef GOSTACK_RUNTIME_STACKMAP_H
#define GOSTACK_RUNTIME_STACKMAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GOSTACK_SM_VERSION 3

// Location types (the v3 encoding).
enum {
  GOSTACK_SM_REGISTER = 1,       // value in register dwarf_reg
  GOSTACK_SM_DIRECT = 2,         // value is dwarf_reg + offset (a frame object's address)
  GOSTACK_SM_INDIRECT = 3,       // value is in memory at [dwarf_reg + offset] (a spill slot)
  GOSTACK_SM_CONSTANT = 4,       // value is offset
  GOSTACK_SM_CONSTANT_INDEX = 5, // value is constants[offset]
};

// LLVM writes this ID, with no locations, for a call site the format cannot hold (more than
// 65535 locations or live-outs): the record says nothing about the frame.
#define GOSTACK_SM_INVALID_ID UINT64_MAX
// frame_size of a function with a dynamic frame (variable-sized objects, stack realignment).
#define GOSTACK_SM_DYNAMIC_FRAME UINT64_MAX
// Highest x86-64 DWARF register number (bnd3 = 129; k7 = 125, xmm31 = 82). Locations and
// live-outs naming a higher register are rejected as malformed.
#define GOSTACK_SM_MAX_DWARF_REG 129u

// One location, exactly LLVM's v3 layout (the lookup result points into the mapped section).
typedef struct gostack_sm_location {
  uint8_t type;       // GOSTACK_SM_*
  uint8_t reserved;   // 0
  uint16_t size;      // bytes
  uint16_t dwarf_reg;
  uint16_t reserved2; // 0
  int32_t offset;     // offset, small constant, or constant-pool index
} gostack_sm_location;
_Static_assert(sizeof(gostack_sm_location) == 12, "LLVM StackMap v3 location layout");

typedef struct gostack_sm_liveout {
  uint16_t dwarf_reg;
  uint8_t reserved;
  uint8_t size;
} gostack_sm_liveout;
_Static_assert(sizeof(gostack_sm_liveout) == 4, "LLVM StackMap v3 live-out layout");

struct gostack_sm_frame;

// One call site. For a statepoint, return_address is the address of the instruction after the
// call: the return address found on the stack in the caller's frame.
typedef struct gostack_sm_callsite {
  uintptr_t return_address;    // FunctionAddress + InstructionOffset
  uint64_t frame_size;         // the function's StackSize, or GOSTACK_SM_DYNAMIC_FRAME
  uint64_t id;                 // statepoint / stackmap ID
  uint32_t num_locations;
  const gostack_sm_location *locations;
  const uint64_t *constants;   // the blob's constant pool, for GOSTACK_SM_CONSTANT_INDEX
  // Beyond the minimum: where the record came from and what else it holds.
  uintptr_t function_address;
  uint32_t num_constants;
  uint32_t num_live_outs;
  const gostack_sm_liveout *live_outs;
  // Registered call sites only (NULL from the parser): the record decoded for stack moves.
  const struct gostack_sm_frame *frame;
} gostack_sm_callsite;

// ---- Frames: call sites decoded for stack moves -------------------------------------------------
//
// Registration decodes every call site's record once into what a move does to the frame
// suspended there (runtime/adjustframes.c): the 8-byte words that may hold pointers into the
// stack, as byte offsets from the frame's SP at the call and from its frame pointer. The
// statepoint layout (three header constants, the deopt count and (tag, object) pairs, then the
// gc pointers), the runtime records and the location kinds are then read once per call site,
// not once per frame of every move.

// Why a move cannot describe a frame suspended at a call site (0: it can). The record is valid
// StackMap v3, so registration accepts it; a move that reaches such a frame is fatal.
enum {
  GOSTACK_SM_FRAME_OK = 0,
  GOSTACK_SM_FRAME_NOT_STATEPOINT,      // fewer than the three statepoint header locations
  GOSTACK_SM_FRAME_BAD_DEOPT_COUNT,     // more deopt operands than locations
  GOSTACK_SM_FRAME_RECORD_NOT_OBJECT,   // a runtime record that is not a frame object
  GOSTACK_SM_FRAME_UNKNOWN_RECORD,      // a deopt tag other than va_list and slot
  GOSTACK_SM_FRAME_BAD_BASE,            // a location relative to a register other than RSP/RBP
  GOSTACK_SM_FRAME_POINTER_IN_REGISTER, // a live pointer in a register across the call
  GOSTACK_SM_FRAME_OFFSET_RANGE,        // a word beyond an int32 offset of its base
};

// A decoded call site: this header, then num_sp + num_fp int32 byte offsets (those from SP
// first), each list sorted and without duplicates (a base and a derived pointer in one slot are
// adjusted once). With error set both counts are 0.
typedef struct gostack_sm_frame {
  uint32_t num_sp, num_fp;
  uint32_t error; // GOSTACK_SM_FRAME_*
  uint32_t reserved;
} gostack_sm_frame;
_Static_assert(sizeof(gostack_sm_frame) == 16, "the int32 offsets follow the header");

static inline const int32_t *gostack_sm_frame_offsets(const gostack_sm_frame *f) {
  return (const int32_t *)(const void *)(f + 1);
}

// Decodes cs into *out and the `room` int32 offsets after it and returns how many it wrote;
// or, when they do not fit, returns more than room and writes nothing past *out (call again
// with that much room). Sets out->error (and returns 0) when a move cannot use the record.
// Pure.
size_t gostack_sm_decode_frame(const gostack_sm_callsite *cs, gostack_sm_frame *out, size_t room);

// What a move reports for a frame whose record has this error.
const char *gostack_sm_frame_error_string(uint32_t error);

// A `gostack_fninfo` record, as the plugin emits it (8-aligned, 16 bytes;
// plugin/StatepointRewriting.cpp, emitFunctionInfo). Every function of the module that may be
// entered on a task stack without the system-stack switch has one, also in modules compiled
// without stack maps: indirect calls ask __gostack_is_instrumented.
typedef struct gostack_fninfo_record {
  uint64_t fn_addr;      // function entry
  uint32_t ptr_arg_regs; // bit i: argument register i carries a pointer at entry; bit 31 below
  uint32_t flags;        // stack argument slots holding pointers, or UNKNOWN_LAYOUT (below)
} gostack_fninfo_record;
_Static_assert(sizeof(gostack_fninfo_record) == 16, "gostack_fninfo record layout");

// Bit order of ptr_arg_regs: the SysV integer argument registers.
enum {
  GOSTACK_ARG_RDI = 1u << 0,
  GOSTACK_ARG_RSI = 1u << 1,
  GOSTACK_ARG_RDX = 1u << 2,
  GOSTACK_ARG_RCX = 1u << 3,
  GOSTACK_ARG_R8 = 1u << 4,
  GOSTACK_ARG_R9 = 1u << 5,
};
#define GOSTACK_FNINFO_ARG_REGS_MASK 0x3fu
// ptr_arg_regs bit 31: the function is an unchecked entry with a bounded frame (the entry the
// plugin splits off a variadic function; docs/design.md, "The prologue check"). It is safe to
// call on a task stack, so it counts for __gostack_is_instrumented, but it never calls
// __morestack and has no entry layout: no other bit of ptr_arg_regs, flags 0.
#define GOSTACK_FNINFO_UNCHECKED_ENTRY (1u << 31)
// flags: bit i (0..30) = the i-th 8-byte stack argument slot ([entry SP + 8 + 8*i]) holds a
// pointer; or exactly GOSTACK_FNINFO_UNKNOWN_LAYOUT: the plugin could not classify the
// parameters (then no other bit is set, and ptr_arg_regs may be incomplete).
#define GOSTACK_FNINFO_STACK_SLOTS_MASK 0x7fffffffu
#define GOSTACK_FNINFO_UNKNOWN_LAYOUT (1u << 31)

// ---- Registration (called by the constructor / destructor the plugin adds) ---------------------

// Registers the stack maps and function records of one executable or DSO. Idempotent per module
// (every object of a DSO calls it with the same bounds). Malformed data is a fatal error:
// "malformed stack map in <module> at offset N: <reason>" (or "malformed function info ...").
// Either pair may be (NULL, NULL): the module has no such section. When the module is a loaded
// object, every function and return address must lie in its code, except function-info records
// that the dynamic linker bound to another object's code (an interposed default-visibility
// function): those are skipped, the other object describes its own code.
void __gostack_register_module(const void *maps_begin, const void *maps_end,
                               const void *fninfo_begin, const void *fninfo_end);

// Removes the module registered with this key: its maps_begin, or its fninfo_begin when it has
// no stack maps. Unknown keys (a second destructor of the same DSO) are ignored, and so is the
// main program's key: the main program is never unloaded, and at exit other threads may still
// be moving stacks through its frames.
void __gostack_unregister_module(const void *key);

// __gostack_register_module without dying: 0, or -1 with the complete message in err (the
// module is then not registered). For the fuzzer and tests.
int gostack_register_module_checked(const void *maps_begin, const void *maps_end,
                                    const void *fninfo_begin, const void *fninfo_end, char *err,
                                    size_t errlen);

// ---- Lookup (lock-free; any thread, any time) ---------------------------------------------------

// The call site whose return address this is, or NULL. The record stays valid until its module
// is unregistered (dlclose). An address with several different records in one module (only
// llvm.experimental.stackmap / patchpoint records can share one) is not indexed: NULL.
const gostack_sm_callsite *gostack_stackmap_find(uintptr_t return_address);

// A stack move's lookups (runtime/adjustframes.c): one reader section for the whole walk
// instead of one per frame, and a hash table from return addresses to decoded frames (built
// with each index snapshot). Between begin and end the frames stay valid and registration
// waits; end must follow begin on the same thread, without blocking in between.
typedef struct gostack_sm_hent {
  uintptr_t return_address; // 0: empty
  const gostack_sm_frame *frame;
} gostack_sm_hent;

typedef struct gostack_sm_walk {
  const gostack_sm_hent *table; // a power of two of entries, at most half of them used
  size_t mask;                  // (entries - 1) * sizeof(gostack_sm_hent): a byte offset mask
  void *reader;                 // private
} gostack_sm_walk;

void gostack_stackmap_walk_begin(gostack_sm_walk *w);
void gostack_stackmap_walk_end(gostack_sm_walk *w);

// The byte offset of return_address's first probe in a table with this byte offset mask:
// multiplicative hashing, bits 28 and up of the product, which spread nearby return addresses
// (the low 4 are masked off: entries are 16 bytes; a table has at most 2^31 entries). The
// multiplier fits an instruction's 32-bit immediate.
static inline size_t gostack_sm_hash(uintptr_t return_address, size_t mask) {
  return (size_t)(((uint64_t)return_address * 0x5bd1e995u) >> 28) & mask;
}

// The decoded frame of the call site whose return address this is; NULL when there is none or
// it has an error (gostack_stackmap_find tells them apart).
static inline const gostack_sm_frame *gostack_stackmap_walk_find(const gostack_sm_walk *w,
                                                                 uintptr_t return_address) {
  _Static_assert(sizeof(gostack_sm_hent) == 16, "gostack_sm_hash's byte offsets");
  for (size_t i = gostack_sm_hash(return_address, w->mask);;
       i = (i + sizeof(gostack_sm_hent)) & w->mask) {
    const gostack_sm_hent *e = (const gostack_sm_hent *)(const void *)((const char *)w->table + i);
    if (e->return_address == return_address)
      return e->frame; // also NULL for return address 0, which matches an empty entry
    if (e->return_address == 0)
      return NULL;
  }
}

// 1 if pc lies in a registered function — the record with the largest fn_addr <= pc, provided
// pc is still inside the executable segment holding that function (when the module's segments
// are known) and that record is not an unchecked entry (which has no entry layout) — with its
// ptr_arg_regs and flags in *ptr_arg_regs and *flags (either may be NULL); else 0 and nothing
// is written.
int gostack_fninfo_find(uintptr_t pc, uint32_t *ptr_arg_regs, uint32_t *flags);

// 1 if fn is exactly the entry of a function a registered module declares instrumented (a
// checked function or an unchecked variadic entry), else 0: an address inside a function, a PLT
// entry, a function another module interposed are all 0. The plugin's indirect-call routing
// calls it on task stacks, inside the guard reserve, when its per-call-site cache misses
// (docs/design.md, "Foreign calls"): no lock, no allocation, a small frame.
int __gostack_is_instrumented(const void *fn);

// Registered call sites / function records (after merging duplicates), for tests.
size_t gostack_stackmap_count(void);
size_t gostack_fninfo_count(void);

// ---- Parsers (pure: no allocation, no global state, never die) ----------------------------------

// Called for every call site in section order, with the offset of its StkMapRecord from begin.
// Returning nonzero stops the parse; the callback then describes the problem in err (without
// the "at offset" prefix, which the parser adds).
typedef int (*gostack_sm_callsite_fn)(void *ctx, const gostack_sm_callsite *cs, size_t offset,
                                      char *err, size_t errlen);

// Validates the concatenated v3 blobs in [begin, end) (each 8-aligned; zero words between blobs
// are linker padding) and reports every call site to cb (may be NULL). Returns 0, or -1 with
// "at offset N: <reason>" in err. begin must be 8-aligned; (NULL, NULL) is an empty section.
int gostack_stackmap_parse(const void *begin, const void *end, gostack_sm_callsite_fn cb,
                           void *ctx, char *err, size_t errlen);

typedef int (*gostack_fninfo_fn)(void *ctx, const gostack_fninfo_record *r, size_t offset,
                                 char *err, size_t errlen);

// The same for a gostack_fninfo section: 16-byte records; all-zero records (and a trailing zero
// word) are padding.
int gostack_fninfo_parse(const void *begin, const void *end, gostack_fninfo_fn cb, void *ctx,
                         char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif // GOSTACK_RUNTIME_STACKMAP_H
