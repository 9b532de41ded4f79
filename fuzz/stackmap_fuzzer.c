// libFuzzer target for the stack map and function-info parsers (runtime/stackmap_parse.c).
//
// Every input is treated both as a `gostack_stackmaps` section and as a `gostack_fninfo`
// section. Parsing must never read outside the input (ASan), hit undefined behaviour (UBSan) or
// die; what parses must register without dying (gostack_register_module_checked: conflicts are
// errors, not crashes), every registered call site must be found at its return address with
// the same record, and unregistering must leave the index empty.
#include "stackmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static volatile uint64_t sink;

static int touch_callsite(void *ctx, const gostack_sm_callsite *cs, size_t offset, char *err,
                          size_t errlen) {
  (void)err;
  (void)errlen;
  size_t *count = ctx;
  uint64_t acc = cs->return_address ^ cs->frame_size ^ cs->id ^ offset;
  for (uint32_t i = 0; i < cs->num_locations; i++) {
    const gostack_sm_location *l = &cs->locations[i];
    acc += l->type + l->size + l->dwarf_reg + (uint64_t)(int64_t)l->offset;
    if (l->type == GOSTACK_SM_CONSTANT_INDEX) {
      if (l->offset < 0 || (uint32_t)l->offset >= cs->num_constants)
        __builtin_trap(); // the parser promised a valid index
      acc += cs->constants[l->offset];
    }
  }
  for (uint32_t i = 0; i < cs->num_live_outs; i++)
    acc += cs->live_outs[i].dwarf_reg + cs->live_outs[i].size;
  sink = acc;
  ++*count;
  return 0;
}

static int touch_fn(void *ctx, const gostack_fninfo_record *r, size_t offset, char *err,
                    size_t errlen) {
  (void)err;
  (void)errlen;
  // The parser promised: a register mask, or the unchecked-entry bit alone with no flags.
  if (r->fn_addr == 0 ||
      ((r->ptr_arg_regs & ~GOSTACK_FNINFO_ARG_REGS_MASK) &&
       (r->ptr_arg_regs != GOSTACK_FNINFO_UNCHECKED_ENTRY || r->flags != 0)))
    __builtin_trap();
  sink = r->fn_addr + r->ptr_arg_regs + r->flags + offset;
  ++*(size_t *)ctx;
  return 0;
}

typedef struct check_ctx {
  const void *begin, *end;
  size_t found, ambiguous;
} check_ctx;

typedef struct count_ctx {
  uintptr_t ra;
  size_t n;
} count_ctx;

static int count_ra(void *ctx, const gostack_sm_callsite *cs, size_t offset, char *err,
                    size_t errlen) {
  (void)offset;
  (void)err;
  (void)errlen;
  count_ctx *c = ctx;
  c->n += cs->return_address == c->ra;
  return 0;
}

static int check_registered(void *ctx, const gostack_sm_callsite *cs, size_t offset, char *err,
                            size_t errlen) {
  (void)offset;
  check_ctx *c = ctx;
  const gostack_sm_callsite *hit = gostack_stackmap_find(cs->return_address);
  if (!hit) {
    // Left out only when several different records claim the address.
    count_ctx n = {cs->return_address, 0};
    gostack_stackmap_parse(c->begin, c->end, count_ra, &n, err, errlen);
    if (n.n < 2)
      __builtin_trap();
    c->ambiguous++;
    return 0;
  }
  if (hit->return_address != cs->return_address)
    __builtin_trap();
  // Duplicates were merged only when they say the same.
  if (hit->num_locations != cs->num_locations || hit->frame_size != cs->frame_size ||
      hit->id != cs->id || hit->function_address != cs->function_address)
    __builtin_trap();
  c->found++;
  return 0;
}

static int check_fn_registered(void *ctx, const gostack_fninfo_record *r, size_t offset,
                               char *err, size_t errlen) {
  (void)ctx;
  (void)offset;
  (void)err;
  (void)errlen;
  // Every registered function counts for indirect calls, at its exact entry only (the
  // neighbouring addresses may be other records' entries).
  if (__gostack_is_instrumented((const void *)(uintptr_t)r->fn_addr) != 1)
    __builtin_trap();
  uint32_t regs = 0, flags = 0;
  int found = gostack_fninfo_find((uintptr_t)r->fn_addr, &regs, &flags);
  // An unchecked entry has no entry layout: not found; a checked function is, as recorded.
  if (r->ptr_arg_regs & GOSTACK_FNINFO_UNCHECKED_ENTRY ? found
                                                       : !found || regs != r->ptr_arg_regs ||
                                                             flags != r->flags)
    __builtin_trap();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // An 8-aligned copy, as a linked section is; malloc'd to its exact size (rounded to 8, the
  // tail beyond `size` is never part of the section) so ASan sees any overrun.
  size_t words = (size + 7) / 8;
  uint64_t *buf = malloc(words ? words * 8 : 8);
  if (!buf)
    return 0;
  if (size)
    memcpy(buf, data, size);
  const void *begin = buf, *end = (const uint8_t *)buf + size;
  char err[2048];

  size_t sites = 0, fns = 0;
  int maps_ok = gostack_stackmap_parse(begin, end, touch_callsite, &sites, err, sizeof err) == 0;
  if (!maps_ok && strncmp(err, "at offset ", 10) != 0)
    __builtin_trap(); // every error names its offset
  int fns_ok = gostack_fninfo_parse(begin, end, touch_fn, &fns, err, sizeof err) == 0;
  if (!fns_ok && strncmp(err, "at offset ", 10) != 0)
    __builtin_trap();

  if (maps_ok && size) {
    if (gostack_register_module_checked(begin, end, NULL, NULL, err, sizeof err) == 0) {
      if (gostack_stackmap_count() > sites)
        __builtin_trap();
      check_ctx c = {begin, end, 0, 0};
      char err2[512];
      gostack_stackmap_parse(begin, end, check_registered, &c, err2, sizeof err2);
      if (c.found + c.ambiguous != sites)
        __builtin_trap();
      // A miss just below the lowest address must not crash either.
      sink = (uintptr_t)gostack_stackmap_find(0);
      __gostack_unregister_module(begin);
    } else if (strstr(err, "malformed stack map in ") != err &&
               strstr(err, "out of memory") == NULL) {
      __builtin_trap();
    }
    if (gostack_stackmap_count() != 0)
      __builtin_trap();
  }
  if (fns_ok && size) {
    if (gostack_register_module_checked(NULL, NULL, begin, end, err, sizeof err) == 0) {
      gostack_fninfo_parse(begin, end, check_fn_registered, NULL, err, sizeof err);
      __gostack_unregister_module(begin);
      // Gone with its module.
      if (fns && buf[0] != 0 && __gostack_is_instrumented((const void *)(uintptr_t)buf[0]))
        __builtin_trap();
    }
    if (gostack_fninfo_count() != 0)
      __builtin_trap();
  }
  free(buf);
  return 0;
}
