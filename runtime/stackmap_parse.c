// Stack maps: the pure parsers (gostack_stackmap_parse, gostack_fninfo_parse) and their
// validation, and the decoding of a call site for stack moves (gostack_sm_decode_frame). No
// allocation, no global state, never die: registration, the index and lookups are in
// stackmap.c. docs/design.md, "Stack maps".
#include "stackmap.h"

#include "stackmap_internal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

// ---- Byte access (the parser never assumes alignment of what it has not validated) -------------

static uint16_t rd16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static uint32_t rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static uint64_t rd64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, size_t offset,
                                                      const char *fmt, ...) {
  if (err && errlen) {
    int n = snprintf(err, errlen, "at offset %zu: ", offset);
    if (n >= 0 && (size_t)n < errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return -1;
}

// ---- StackMap v3 parser -------------------------------------------------------------------------

// One location at `at` (12 bytes, in bounds). index: its number within the record.
static int check_location(const uint8_t *base, size_t at, uint32_t index, uint32_t num_constants,
                          char *err, size_t errlen) {
  const uint8_t *p = base + at;
  uint8_t type = p[0];
  uint16_t size = rd16(p + 2), reg = rd16(p + 4);
  int32_t offset = (int32_t)rd32(p + 8);
  if (type < GOSTACK_SM_REGISTER || type > GOSTACK_SM_CONSTANT_INDEX)
    return fail(err, errlen, at, "location %u has invalid type %u (expected 1..5)", index, type);
  if (p[1] != 0 || rd16(p + 6) != 0)
    return fail(err, errlen, at, "reserved fields of location %u are not zero", index);
  switch (type) {
  case GOSTACK_SM_REGISTER:
    if (size == 0 || size > 64)
      return fail(err, errlen, at, "register location %u has size %u (expected 1..64)", index,
                  size);
    break;
  case GOSTACK_SM_DIRECT:
    if (size != 8)
      return fail(err, errlen, at, "direct location %u has size %u (expected 8, a pointer)",
                  index, size);
    break;
  case GOSTACK_SM_INDIRECT:
    if (size == 0)
      return fail(err, errlen, at, "indirect location %u has size 0", index);
    break;
  case GOSTACK_SM_CONSTANT:
  case GOSTACK_SM_CONSTANT_INDEX:
    if (size != 8 || reg != 0)
      return fail(err, errlen, at,
                  "constant location %u has size %u and register %u (expected 8 and 0)", index,
                  size, reg);
    if (type == GOSTACK_SM_CONSTANT_INDEX && (offset < 0 || (uint32_t)offset >= num_constants))
      return fail(err, errlen, at,
                  "constant-index location %u refers to constant %d of %u", index, offset,
                  num_constants);
    return 0;
  default: // excluded above
    break;
  }
  if (reg > GOSTACK_SM_MAX_DWARF_REG)
    return fail(err, errlen, at, "location %u names DWARF register %u (highest is %u)", index,
                reg, GOSTACK_SM_MAX_DWARF_REG);
  return 0;
}

// The blob starting at `start` (its first byte is nonzero). On success *next is its end.
static int parse_blob(const uint8_t *base, size_t size, size_t start, size_t *next,
                      gostack_sm_callsite_fn cb, void *ctx, char *err, size_t errlen) {
  const uint8_t *h = base + start;
  size_t rem = size - start;
  if (h[0] != GOSTACK_SM_VERSION)
    return fail(err, errlen, start, "unsupported stack map version %u (expected %u)", h[0],
                (unsigned)GOSTACK_SM_VERSION);
  if (rem < 16)
    return fail(err, errlen, start, "truncated header (%zu bytes, need 16)", rem);
  if (h[1] != 0 || rd16(h + 2) != 0)
    return fail(err, errlen, start, "reserved header bytes are not zero");
  uint32_t nf = rd32(h + 4), nc = rd32(h + 8), nr = rd32(h + 12);
  uint64_t fixed = 16 + 24 * (uint64_t)nf + 8 * (uint64_t)nc;
  if (fixed > rem)
    return fail(err, errlen, start + 4,
                "%u functions and %u constants need %llu bytes, only %zu remain", nf, nc,
                (unsigned long long)fixed, rem);
  // A record takes at least 24 bytes (16 of header, 4 of live-out header, 4 of padding).
  if ((uint64_t)nr * 24 > rem - fixed)
    return fail(err, errlen, start + 12, "%u records cannot fit in the %zu bytes that remain",
                nr, (size_t)(rem - fixed));

  // Function records: addresses and record counts that add up.
  size_t fn_at = start + 16;
  uint64_t sum = 0;
  for (uint32_t f = 0; f < nf; f++) {
    const uint8_t *fr = base + fn_at + 24 * (size_t)f;
    uint64_t addr = rd64(fr), count = rd64(fr + 16);
    if (addr == 0)
      return fail(err, errlen, fn_at + 24 * (size_t)f, "function %u has address 0", f);
    if (count == 0)
      return fail(err, errlen, fn_at + 24 * (size_t)f + 16, "function %u has no call sites", f);
    if (count > nr - sum)
      return fail(err, errlen, fn_at + 24 * (size_t)f + 16,
                  "record counts of functions 0..%u exceed NumRecords %u", f, nr);
    sum += count;
  }
  if (sum != nr)
    return fail(err, errlen, start + 12,
                "NumRecords is %u but the functions' record counts sum to %llu", nr,
                (unsigned long long)sum);
  const uint64_t *constants = nc ? (const uint64_t *)(const void *)(base + fn_at + 24 * (size_t)nf)
                                 : NULL;

  size_t at = start + (size_t)fixed;
  for (uint32_t f = 0; f < nf; f++) {
    const uint8_t *fr = base + fn_at + 24 * (size_t)f;
    uint64_t addr = rd64(fr), frame = rd64(fr + 8), count = rd64(fr + 16);
    for (uint64_t k = 0; k < count; k++) {
      size_t rec = at;
      if (size - rec < 16)
        return fail(err, errlen, rec, "truncated call site record");
      const uint8_t *r = base + rec;
      uint64_t id = rd64(r);
      uint32_t insn = rd32(r + 8);
      uint16_t flags = rd16(r + 12), nl = rd16(r + 14);
      if (flags != 0)
        return fail(err, errlen, rec + 12, "call site flags 0x%x are not zero", flags);
      if (addr + insn < addr)
        return fail(err, errlen, rec + 8,
                    "return address overflows: function 0x%llx + offset %u",
                    (unsigned long long)addr, insn);
      size_t loc_at = rec + 16;
      if ((uint64_t)nl * 12 > size - loc_at)
        return fail(err, errlen, rec + 14, "%u locations overrun the section", nl);
      for (uint32_t l = 0; l < nl; l++)
        if (check_location(base, loc_at + 12 * (size_t)l, l, nc, err, errlen))
          return -1;
      size_t pad_at = loc_at + 12 * (size_t)nl, lo_hdr = align8(pad_at);
      if (lo_hdr > size || size - lo_hdr < 4)
        return fail(err, errlen, pad_at, "call site record truncated before its live-outs");
      if (!all_zero(base + pad_at, lo_hdr - pad_at) || rd16(base + lo_hdr) != 0)
        return fail(err, errlen, pad_at, "padding after the locations is not zero");
      uint16_t nlo = rd16(base + lo_hdr + 2);
      size_t lo_at = lo_hdr + 4;
      if ((uint64_t)nlo * 4 > size - lo_at)
        return fail(err, errlen, lo_hdr + 2, "%u live-outs overrun the section", nlo);
      for (uint32_t j = 0; j < nlo; j++) {
        const uint8_t *lo = base + lo_at + 4 * (size_t)j;
        if (rd16(lo) > GOSTACK_SM_MAX_DWARF_REG || lo[2] != 0 || lo[3] == 0)
          return fail(err, errlen, lo_at + 4 * (size_t)j,
                      "live-out %u (DWARF register %u, reserved %u, size %u) is invalid", j,
                      rd16(lo), lo[2], lo[3]);
      }
      size_t end_at = lo_at + 4 * (size_t)nlo, rec_end = align8(end_at);
      if (rec_end > size)
        return fail(err, errlen, end_at, "call site record truncated in its final padding");
      if (!all_zero(base + end_at, rec_end - end_at))
        return fail(err, errlen, end_at, "padding after the live-outs is not zero");

      if (cb) {
        gostack_sm_callsite cs = {
            .return_address = (uintptr_t)(addr + insn),
            .frame_size = frame,
            .id = id,
            .num_locations = nl,
            .locations = nl ? (const gostack_sm_location *)(const void *)(base + loc_at) : NULL,
            .constants = constants,
            .function_address = (uintptr_t)addr,
            .num_constants = nc,
            .num_live_outs = nlo,
            .live_outs = nlo ? (const gostack_sm_liveout *)(const void *)(base + lo_at) : NULL,
        };
        char reason[SM_REASON_MAX];
        reason[0] = 0;
        if (cb(ctx, &cs, rec, reason, sizeof reason))
          return fail(err, errlen, rec, "%s", reason[0] ? reason : "rejected");
      }
      at = rec_end;
    }
  }
  *next = at;
  return 0;
}

// Common checks of a section's bounds; *size is its length.
static int check_bounds(const void *begin, const void *end, size_t *size, char *err,
                        size_t errlen) {
  uintptr_t b = (uintptr_t)begin, e = (uintptr_t)end;
  if (!begin || !end)
    return fail(err, errlen, 0, "section bounds %p..%p are inconsistent", begin, end);
  if (e < b)
    return fail(err, errlen, 0, "section end %p lies before its start %p", end, begin);
  if (b % 8 != 0)
    return fail(err, errlen, 0, "section start %p is not 8-byte aligned", begin);
  *size = (size_t)(e - b);
  return 0;
}

// Common start of both parsers: clears err and checks the section bounds. Returns 1 for an
// absent section (NULL, NULL), -1 on bad bounds, 0 with the size in *size.
static int open_section(const void *begin, const void *end, size_t *size, char *err,
                        size_t errlen) {
  if (err && errlen)
    err[0] = 0;
  if (!begin && !end)
    return 1;
  return check_bounds(begin, end, size, err, errlen) ? -1 : 0;
}

int gostack_stackmap_parse(const void *begin, const void *end, gostack_sm_callsite_fn cb,
                           void *ctx, char *err, size_t errlen) {
  size_t size;
  int open = open_section(begin, end, &size, err, errlen);
  if (open)
    return open > 0 ? 0 : -1;
  const uint8_t *base = begin;
  size_t at = 0;
  while (at < size) {
    if (size - at < 8)
      return fail(err, errlen, at, "%zu trailing bytes are not a whole 8-byte word", size - at);
    if (rd64(base + at) == 0) { // linker padding between blobs
      at += 8;
      continue;
    }
    if (parse_blob(base, size, at, &at, cb, ctx, err, errlen))
      return -1;
  }
  return 0;
}

int gostack_fninfo_parse(const void *begin, const void *end, gostack_fninfo_fn cb, void *ctx,
                         char *err, size_t errlen) {
  size_t size;
  int open = open_section(begin, end, &size, err, errlen);
  if (open)
    return open > 0 ? 0 : -1;
  const uint8_t *base = begin;
  size_t at = 0;
  while (at < size) {
    if (size - at < 8)
      return fail(err, errlen, at, "%zu trailing bytes are not a whole 8-byte word", size - at);
    if (size - at == 8) {
      if (rd64(base + at) != 0)
        return fail(err, errlen, at, "truncated function record (8 of 16 bytes)");
      break; // trailing padding word
    }
    const uint8_t *r = base + at;
    gostack_fninfo_record rec = {rd64(r), rd32(r + 8), rd32(r + 12)};
    if (rec.fn_addr == 0) {
      if (rec.ptr_arg_regs != 0 || rec.flags != 0)
        return fail(err, errlen, at, "function record with address 0");
      at += 16; // padding
      continue;
    }
    if (rec.ptr_arg_regs & ~(GOSTACK_FNINFO_ARG_REGS_MASK | GOSTACK_FNINFO_UNCHECKED_ENTRY))
      return fail(err, errlen, at + 8, "pointer argument mask 0x%x names registers beyond r9",
                  rec.ptr_arg_regs);
    if ((rec.ptr_arg_regs & GOSTACK_FNINFO_UNCHECKED_ENTRY) &&
        (rec.ptr_arg_regs != GOSTACK_FNINFO_UNCHECKED_ENTRY || rec.flags != 0))
      return fail(err, errlen, at + 8,
                  "unchecked-entry record describes arguments (mask 0x%x, flags 0x%x)",
                  rec.ptr_arg_regs, rec.flags);
    if ((rec.flags & GOSTACK_FNINFO_UNKNOWN_LAYOUT) && rec.flags != GOSTACK_FNINFO_UNKNOWN_LAYOUT)
      return fail(err, errlen, at + 12, "flags 0x%x mix the unknown-layout bit with stack slots",
                  rec.flags);
    if (cb) {
      char reason[SM_REASON_MAX];
      reason[0] = 0;
      if (cb(ctx, &rec, at, reason, sizeof reason))
        return fail(err, errlen, at, "%s", reason[0] ? reason : "rejected");
    }
    at += 16;
  }
  return 0;
}

// ---- Decoding a call site for stack moves -------------------------------------------------------

// Tags of (tag, object) deopt pairs (plugin/StatepointRewriting.cpp, DeoptVaListTag and
// DeoptSlotTag): a va_list, or a pointer slot an exception path reloads.
#define DEOPT_VALIST 1
#define DEOPT_SLOT 2
#define DWARF_RBP 6
#define DWARF_RSP 7

static uint64_t constant_of(const gostack_sm_callsite *cs, const gostack_sm_location *l) {
  if (l->type == GOSTACK_SM_CONSTANT)
    return (uint64_t)(int64_t)l->offset;
  if (l->type == GOSTACK_SM_CONSTANT_INDEX)
    return cs->constants[l->offset];
  return UINT64_MAX;
}

// Adds the `words` words at l's base + offset + skip bytes; 0 or an error. Counts every word
// in *n (SP-relative ones in *nsp) but stores only while there is room: SP-relative offsets
// from the front of `offs`, FP-relative ones from the back.
typedef struct word_list {
  int32_t *offs;
  size_t room, n, nsp;
} word_list;

static uint32_t add_words(word_list *wl, const gostack_sm_location *l, int64_t skip,
                          uint64_t words) {
  bool fp;
  if (l->dwarf_reg == DWARF_RSP)
    fp = false;
  else if (l->dwarf_reg == DWARF_RBP)
    fp = true;
  else
    return GOSTACK_SM_FRAME_BAD_BASE;
  for (uint64_t k = 0; k < words; k++) {
    int64_t offset = (int64_t)l->offset + skip + 8 * (int64_t)k;
    if (offset < INT32_MIN || offset > INT32_MAX)
      return GOSTACK_SM_FRAME_OFFSET_RANGE;
    size_t nfp = wl->n - wl->nsp;
    if (wl->n < wl->room) {
      if (fp)
        wl->offs[wl->room - 1 - nfp] = (int32_t)offset;
      else
        wl->offs[wl->nsp] = (int32_t)offset;
    }
    wl->n++;
    wl->nsp += !fp;
  }
  return 0;
}

static void sift_down(int32_t *a, size_t i, size_t n) {
  for (size_t c; (c = 2 * i + 1) < n; i = c) {
    if (c + 1 < n && a[c + 1] > a[c])
      c++;
    if (a[i] >= a[c])
      return;
    int32_t t = a[i];
    a[i] = a[c];
    a[c] = t;
  }
}

// Sorts n offsets and drops duplicates; returns how many remain.
static size_t sort_unique(int32_t *a, size_t n) {
  if (n > 16) { // heapsort: a record can list 65535 vectors of 8191 words (no allocation)
    for (size_t i = n / 2; i-- > 0;)
      sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
      int32_t t = a[0];
      a[0] = a[end];
      a[end] = t;
      sift_down(a, 0, end);
    }
  } else {
    for (size_t i = 1; i < n; i++) { // insertion sort: a handful of words, the usual case
      int32_t v = a[i];
      size_t j = i;
      for (; j > 0 && v < a[j - 1]; j--)
        a[j] = a[j - 1];
      a[j] = v;
    }
  }
  size_t out = 0;
  for (size_t i = 0; i < n; i++)
    if (!out || a[out - 1] != a[i])
      a[out++] = a[i];
  return out;
}

size_t gostack_sm_decode_frame(const gostack_sm_callsite *cs, gostack_sm_frame *out, size_t room) {
  const gostack_sm_location *loc = cs->locations;
  uint32_t nloc = cs->num_locations;
  word_list wl = {(int32_t *)(void *)(out + 1), room, 0, 0};
  uint32_t error = 0;
  *out = (gostack_sm_frame){0, 0, 0, 0};
  // A statepoint record: calling convention, flags, deopt count, deopt values, gc pointers.
  if (nloc < 3) {
    out->error = GOSTACK_SM_FRAME_NOT_STATEPOINT;
    return 0;
  }
  uint64_t ndeopt = constant_of(cs, &loc[2]);
  if (ndeopt > nloc - 3) {
    out->error = GOSTACK_SM_FRAME_BAD_DEOPT_COUNT;
    return 0;
  }
  for (uint64_t i = 0; i + 1 < ndeopt && !error; i += 2) {
    const gostack_sm_location *tag = &loc[3 + i], *obj = &loc[3 + i + 1];
    uint64_t kind = constant_of(cs, tag);
    if (obj->type != GOSTACK_SM_DIRECT)
      error = GOSTACK_SM_FRAME_RECORD_NOT_OBJECT;
    else if (kind == DEOPT_VALIST)
      // x86-64 va_list: { u32 gp_offset, u32 fp_offset, void *overflow_arg_area,
      //                   void *reg_save_area }: the two pointers, words 1 and 2.
      error = add_words(&wl, obj, 8, 2);
    else if (kind == DEOPT_SLOT)
      error = add_words(&wl, obj, 0, 1); // a pointer the landing pad reloads
    else
      error = GOSTACK_SM_FRAME_UNKNOWN_RECORD;
  }
  for (uint32_t i = 3 + (uint32_t)ndeopt; i < nloc && !error; i++) {
    const gostack_sm_location *l = &loc[i];
    switch (l->type) {
    case GOSTACK_SM_INDIRECT: // a spill slot holding a live pointer (or a vector of them)
      error = add_words(&wl, l, 0, l->size / 8u);
      break;
    case GOSTACK_SM_DIRECT:   // an alloca: frame-relative, recomputed after the call
    case GOSTACK_SM_CONSTANT: // a null or constant pointer
    case GOSTACK_SM_CONSTANT_INDEX:
      break;
    default:
      error = GOSTACK_SM_FRAME_POINTER_IN_REGISTER;
    }
  }
  if (error) {
    out->error = error;
    return 0;
  }
  if (wl.n > room)
    return wl.n; // the count with duplicates: room that certainly suffices
  // The FP-relative offsets were stored from the back: move them right after the SP ones.
  size_t nfp = wl.n - wl.nsp;
  int32_t *offs = wl.offs;
  memmove(offs + wl.nsp, offs + room - nfp, nfp * sizeof *offs);
  size_t nsp = sort_unique(offs, wl.nsp);
  nfp = sort_unique(offs + wl.nsp, nfp);
  memmove(offs + nsp, offs + wl.nsp, nfp * sizeof *offs);
  out->num_sp = (uint32_t)nsp;
  out->num_fp = (uint32_t)nfp;
  return nsp + nfp;
}

const char *gostack_sm_frame_error_string(uint32_t error) {
  switch (error) {
  case GOSTACK_SM_FRAME_OK:
    return "no error";
  case GOSTACK_SM_FRAME_NOT_STATEPOINT:
    return "stack map record is not a statepoint";
  case GOSTACK_SM_FRAME_BAD_DEOPT_COUNT:
    return "malformed statepoint record (deopt count)";
  case GOSTACK_SM_FRAME_RECORD_NOT_OBJECT:
    return "runtime record that is not a frame object";
  case GOSTACK_SM_FRAME_UNKNOWN_RECORD:
    return "unknown runtime record in stack map";
  case GOSTACK_SM_FRAME_BAD_BASE:
    return "stack map location relative to a register other than RSP/RBP";
  case GOSTACK_SM_FRAME_POINTER_IN_REGISTER:
    return "live pointer kept in a register across a call";
  case GOSTACK_SM_FRAME_OFFSET_RANGE:
    return "malformed statepoint record (offset out of range)";
  default:
    return "unknown stack map decoding error";
  }
}
