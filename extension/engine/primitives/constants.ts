/**
 * Named constants of the kernel the interpreted code refers to (macros and enumerators). Values are
 * those of v6.18 on x86-64 (4 KiB pages) unless a comment says otherwise; where a value changed
 * between versions, the older value is noted. Flags are plain JS numbers: the interpreter does the
 * 64-bit bit operations, so masks above bit 31 are written as (exact) negative or large numbers.
 */
import type { SwpKind, Value } from '../state/values';

const BIT = (n: number): number => 2 ** n;

/** Swap entry types (include/linux/swap.h, v6.18: MAX_SWAPFILES_SHIFT 5, SWP_DEVICE_NUM 3). */
const MAX_SWAPFILES = 24;
const SWP_HWPOISON = MAX_SWAPFILES;
const SWP_MIGRATION_READ = SWP_HWPOISON + 1;
const SWP_MIGRATION_READ_EXCLUSIVE = SWP_HWPOISON + 2;
const SWP_MIGRATION_WRITE = SWP_HWPOISON + 3;
const SWP_DEVICE_WRITE = SWP_HWPOISON + 4;
const SWP_DEVICE_READ = SWP_HWPOISON + 5;
const SWP_DEVICE_EXCLUSIVE = SWP_HWPOISON + 6;
const SWP_PTE_MARKER = SWP_HWPOISON + 7;
/*
 * v5.14-v6.14 had two device-exclusive types (SWP_DEVICE_NUM 4, so every number there is one lower
 * than in v6.18). They have no v6.18 number; the model gives them numbers above the 5-bit type field
 * so that every kind of swp_entry_t has its own swp_type().
 */
const SWP_DEVICE_EXCLUSIVE_WRITE = 32;
const SWP_DEVICE_EXCLUSIVE_READ = 33;

/** swp_type() of each kind of entry the model has (a real swap entry is on swap device 0). */
export const SWP_TYPE_OF_KIND: Readonly<Record<SwpKind, number>> = {
  swap: 0,
  migration_read: SWP_MIGRATION_READ,
  migration_write: SWP_MIGRATION_WRITE,
  device_private_write: SWP_DEVICE_WRITE,
  device_private_read: SWP_DEVICE_READ,
  device_exclusive: SWP_DEVICE_EXCLUSIVE,
  device_exclusive_write: SWP_DEVICE_EXCLUSIVE_WRITE,
  device_exclusive_read: SWP_DEVICE_EXCLUSIVE_READ,
  pte_marker: SWP_PTE_MARKER,
};

/** enum mmu_notifier_event (include/linux/mmu_notifier.h), in the kernel's order. */
export const MMU_NOTIFY_NAMES: string[] = [
  'MMU_NOTIFY_UNMAP',
  'MMU_NOTIFY_CLEAR',
  'MMU_NOTIFY_PROTECTION_VMA',
  'MMU_NOTIFY_PROTECTION_PAGE',
  'MMU_NOTIFY_SOFT_DIRTY',
  'MMU_NOTIFY_RELEASE',
  'MMU_NOTIFY_MIGRATE',
  'MMU_NOTIFY_EXCLUSIVE',
];

const PAGE_SHIFT = 12;
const PMD_SHIFT = 21;
const PUD_SHIFT = 30;

// gfp_types.h (v6.18): bit numbers from enum ___GFP_*_BIT.
const __GFP_DMA = BIT(0);
const __GFP_HIGHMEM = BIT(1);
const __GFP_DMA32 = BIT(2);
const __GFP_MOVABLE = BIT(3);
const __GFP_RECLAIMABLE = BIT(4);
const __GFP_HIGH = BIT(5);
const __GFP_IO = BIT(6);
const __GFP_FS = BIT(7);
const __GFP_ZERO = BIT(8);
const __GFP_DIRECT_RECLAIM = BIT(10);
const __GFP_KSWAPD_RECLAIM = BIT(11);
const __GFP_WRITE = BIT(12);
const __GFP_NOWARN = BIT(13);
const __GFP_RETRY_MAYFAIL = BIT(14);
const __GFP_NOFAIL = BIT(15);
const __GFP_NORETRY = BIT(16);
const __GFP_MEMALLOC = BIT(17);
const __GFP_COMP = BIT(18);
const __GFP_NOMEMALLOC = BIT(19);
const __GFP_HARDWALL = BIT(20);
const __GFP_THISNODE = BIT(21);
const __GFP_ACCOUNT = BIT(22);
const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
const GFP_USER = GFP_KERNEL | __GFP_HARDWALL;
const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;

// mm_types.h enum vm_fault_reason.
const VM_FAULT_OOM = 0x1;
const VM_FAULT_SIGBUS = 0x2;
const VM_FAULT_HWPOISON = 0x10;
const VM_FAULT_HWPOISON_LARGE = 0x20;
const VM_FAULT_SIGSEGV = 0x40;
const VM_FAULT_FALLBACK = 0x800;

export const CONSTANTS: Record<string, Value> = {
  // include/linux/numa.h
  NUMA_NO_NODE: -1,
  NULL: null,

  // ---- Page and page-table geometry: arch/x86/include/asm/page_types.h, pgtable_64_types.h, huge_mm.h
  PAGE_SHIFT,
  PAGE_SIZE: 2 ** PAGE_SHIFT,
  PAGE_MASK: -(2 ** PAGE_SHIFT),
  PMD_SHIFT,
  PMD_SIZE: 2 ** PMD_SHIFT,
  PMD_MASK: -(2 ** PMD_SHIFT),
  PMD_ORDER: PMD_SHIFT - PAGE_SHIFT,
  PUD_SHIFT,
  PUD_SIZE: 2 ** PUD_SHIFT,
  PUD_MASK: -(2 ** PUD_SHIFT),
  PUD_ORDER: PUD_SHIFT - PAGE_SHIFT,
  PTRS_PER_PTE: 512,
  PTRS_PER_PMD: 512,
  HPAGE_PMD_SHIFT: PMD_SHIFT,
  HPAGE_PMD_ORDER: PMD_SHIFT - PAGE_SHIFT,
  HPAGE_PMD_NR: 512,
  HPAGE_PMD_SIZE: 2 ** PMD_SHIFT,
  HPAGE_PMD_MASK: -(2 ** PMD_SHIFT),
  HPAGE_PUD_NR: 2 ** (PUD_SHIFT - PAGE_SHIFT),

  // ---- errno: include/uapi/asm-generic/errno-base.h, errno.h; include/linux/errno.h (kernel-only)
  // Positive, as in the kernel: code writes -EBUSY.
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  EWOULDBLOCK: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENOSYS: 38,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  ECANCELED: 125,
  EHWPOISON: 133,
  ERESTARTSYS: 512,
  ERESTARTNOINTR: 513,
  ERESTARTNOHAND: 514,
  EPROBE_DEFER: 517,
  ENOTSUPP: 524,
  // include/linux/err.h
  MAX_ERRNO: 4095,

  // ---- vm_flags: include/linux/mm.h (VM_* defines; v6.18 declares them by bit number, same values)
  VM_NONE: 0,
  VM_READ: BIT(0),
  VM_WRITE: BIT(1),
  VM_EXEC: BIT(2),
  VM_SHARED: BIT(3),
  VM_MAYREAD: BIT(4),
  VM_MAYWRITE: BIT(5),
  VM_MAYEXEC: BIT(6),
  VM_MAYSHARE: BIT(7),
  VM_GROWSDOWN: BIT(8),
  VM_UFFD_MISSING: BIT(9),
  VM_PFNMAP: BIT(10),
  VM_MAYBE_GUARD: BIT(11),
  VM_UFFD_WP: BIT(12),
  VM_LOCKED: BIT(13),
  VM_IO: BIT(14),
  VM_SEQ_READ: BIT(15),
  VM_RAND_READ: BIT(16),
  VM_DONTCOPY: BIT(17),
  VM_DONTEXPAND: BIT(18),
  VM_LOCKONFAULT: BIT(19),
  VM_ACCOUNT: BIT(20),
  VM_NORESERVE: BIT(21),
  VM_HUGETLB: BIT(22),
  VM_SYNC: BIT(23),
  VM_ARCH_1: BIT(24),
  VM_WIPEONFORK: BIT(25),
  VM_DONTDUMP: BIT(26),
  VM_SOFTDIRTY: BIT(27),
  VM_MIXEDMAP: BIT(28),
  VM_HUGEPAGE: BIT(29),
  VM_NOHUGEPAGE: BIT(30),
  VM_MERGEABLE: BIT(31),
  // 64-bit only: VM_DROPPABLE_BIT 40 (v6.11+).
  VM_DROPPABLE: BIT(40),
  // Not on x86-64 (VM_GROWSUP is parisc's VM_ARCH_1).
  VM_GROWSUP: 0,
  VM_ACCESS_FLAGS: BIT(0) | BIT(1) | BIT(2),

  // ---- folio_pte_batch() flags (fpb_t), mm/internal.h. v6.18 (since v6.17) says what a batch respects;
  // v6.12 (v6.9-v6.16) said what it ignores. The names differ, so both sets are here.
  FPB_RESPECT_DIRTY: BIT(0),
  FPB_RESPECT_SOFT_DIRTY: BIT(1),
  FPB_RESPECT_WRITE: BIT(2),
  FPB_MERGE_WRITE: BIT(3),
  FPB_MERGE_YOUNG_DIRTY: BIT(4),
  FPB_IGNORE_DIRTY: BIT(0),
  FPB_IGNORE_SOFT_DIRTY: BIT(1),

  // ---- GUP flags: include/linux/mm_types.h (public enum) and mm/internal.h (internal enum), v6.18
  FOLL_WRITE: BIT(0),
  FOLL_GET: BIT(1),
  FOLL_DUMP: BIT(2),
  FOLL_FORCE: BIT(3),
  FOLL_NOWAIT: BIT(4),
  FOLL_NOFAULT: BIT(5),
  FOLL_HWPOISON: BIT(6),
  FOLL_ANON: BIT(7),
  FOLL_LONGTERM: BIT(8),
  FOLL_SPLIT_PMD: BIT(9),
  FOLL_PCI_P2PDMA: BIT(10),
  FOLL_INTERRUPTIBLE: BIT(11),
  FOLL_HONOR_NUMA_FAULT: BIT(12),
  FOLL_TOUCH: BIT(16),
  FOLL_TRIED: BIT(17),
  FOLL_REMOTE: BIT(18),
  FOLL_PIN: BIT(19),
  FOLL_FAST_ONLY: BIT(20),
  FOLL_UNLOCKABLE: BIT(21),
  FOLL_MADV_POPULATE: BIT(22),

  // ---- enum fault_flag: include/linux/mm_types.h
  FAULT_FLAG_WRITE: BIT(0),
  FAULT_FLAG_MKWRITE: BIT(1),
  FAULT_FLAG_ALLOW_RETRY: BIT(2),
  FAULT_FLAG_RETRY_NOWAIT: BIT(3),
  FAULT_FLAG_KILLABLE: BIT(4),
  FAULT_FLAG_TRIED: BIT(5),
  FAULT_FLAG_USER: BIT(6),
  FAULT_FLAG_REMOTE: BIT(7),
  FAULT_FLAG_INSTRUCTION: BIT(8),
  FAULT_FLAG_INTERRUPTIBLE: BIT(9),
  FAULT_FLAG_UNSHARE: BIT(10),
  FAULT_FLAG_ORIG_PTE_VALID: BIT(11),
  FAULT_FLAG_VMA_LOCK: BIT(12),

  // ---- enum vm_fault_reason: include/linux/mm_types.h
  VM_FAULT_OOM,
  VM_FAULT_SIGBUS,
  VM_FAULT_MAJOR: 0x4,
  VM_FAULT_HWPOISON,
  VM_FAULT_HWPOISON_LARGE,
  VM_FAULT_SIGSEGV,
  VM_FAULT_NOPAGE: 0x100,
  VM_FAULT_LOCKED: 0x200,
  VM_FAULT_RETRY: 0x400,
  VM_FAULT_FALLBACK,
  VM_FAULT_DONE_COW: 0x1000,
  VM_FAULT_NEEDDSYNC: 0x2000,
  VM_FAULT_COMPLETED: 0x4000,
  VM_FAULT_HINDEX_MASK: 0x0f0000,
  VM_FAULT_ERROR: VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK,

  // ---- enum mmu_notifier_event and range flags: include/linux/mmu_notifier.h
  ...Object.fromEntries(MMU_NOTIFY_NAMES.map((n, i) => [n, i])),
  MMU_NOTIFIER_RANGE_BLOCKABLE: BIT(0),

  // ---- rmap_t: include/linux/rmap.h
  RMAP_NONE: 0,
  RMAP_EXCLUSIVE: BIT(0),
  // enum pgtable_level (v6.18, include/linux/pgtable.h) and its earlier form, enum rmap_level (rmap.h)
  PGTABLE_LEVEL_PTE: 0,
  PGTABLE_LEVEL_PMD: 1,
  PGTABLE_LEVEL_PUD: 2,
  PGTABLE_LEVEL_P4D: 3,
  PGTABLE_LEVEL_PGD: 4,
  RMAP_LEVEL_PTE: 0,
  RMAP_LEVEL_PMD: 1,
  RMAP_LEVEL_PUD: 2,

  // ---- enum folio_walk_level: include/linux/pagewalk.h (v6.12+)
  FW_LEVEL_PTE: 0,
  FW_LEVEL_PMD: 1,
  FW_LEVEL_PUD: 2,

  // ---- gfp_t: include/linux/gfp_types.h (v6.18; __GFP_SKIP_KASAN is 0 without KASAN_HW_TAGS)
  __GFP_DMA,
  __GFP_HIGHMEM,
  __GFP_DMA32,
  __GFP_MOVABLE,
  __GFP_RECLAIMABLE,
  __GFP_HIGH,
  __GFP_IO,
  __GFP_FS,
  __GFP_ZERO,
  __GFP_DIRECT_RECLAIM,
  __GFP_KSWAPD_RECLAIM,
  __GFP_RECLAIM,
  __GFP_WRITE,
  __GFP_NOWARN,
  __GFP_RETRY_MAYFAIL,
  __GFP_NOFAIL,
  __GFP_NORETRY,
  __GFP_MEMALLOC,
  __GFP_COMP,
  __GFP_NOMEMALLOC,
  __GFP_HARDWALL,
  __GFP_THISNODE,
  __GFP_ACCOUNT,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT: GFP_KERNEL | __GFP_ACCOUNT,
  GFP_ATOMIC: __GFP_HIGH | __GFP_KSWAPD_RECLAIM,
  // v6.18; before v6.17 GFP_NOWAIT was __GFP_KSWAPD_RECLAIM alone.
  GFP_NOWAIT: __GFP_KSWAPD_RECLAIM | __GFP_NOWARN,
  GFP_NOIO: __GFP_RECLAIM,
  GFP_NOFS: __GFP_RECLAIM | __GFP_IO,
  GFP_USER,
  GFP_DMA: __GFP_DMA,
  GFP_DMA32: __GFP_DMA32,
  GFP_HIGHUSER,
  GFP_HIGHUSER_MOVABLE: GFP_HIGHUSER | __GFP_MOVABLE,

  // ---- lib/test_hmm.c: xarray pointer tags of the dmirror device page table. A read-only entry
  // carries no tag (0); there is no DPT_XA_TAG_READ in the kernel. ATOMIC exists since v5.14.
  DPT_XA_TAG_ATOMIC: 1,
  DPT_XA_TAG_WRITE: 3,

  // ---- RSS counters: include/linux/mm_types_task.h (MM_FILEPAGES comes first)
  MM_FILEPAGES: 0,
  MM_ANONPAGES: 1,
  MM_SWAPENTS: 2,
  MM_SHMEMPAGES: 3,
  NR_MM_COUNTERS: 4,

  // ---- PTE markers: include/linux/swapops.h (PTE_MARKER_GUARD is v6.13+; MASK was BIT(2)-1 before)
  PTE_MARKER_UFFD_WP: BIT(0),
  PTE_MARKER_POISONED: BIT(1),
  PTE_MARKER_GUARD: BIT(2),
  PTE_MARKER_MASK: BIT(3) - 1,

  // ---- Swap entry types: include/linux/swap.h (v6.18 numbering; see SWP_TYPE_OF_KIND)
  MAX_SWAPFILES,
  SWP_HWPOISON,
  SWP_MIGRATION_READ,
  SWP_MIGRATION_READ_EXCLUSIVE,
  SWP_MIGRATION_WRITE,
  SWP_DEVICE_WRITE,
  SWP_DEVICE_READ,
  SWP_DEVICE_EXCLUSIVE,
  SWP_DEVICE_EXCLUSIVE_WRITE,
  SWP_DEVICE_EXCLUSIVE_READ,
  SWP_PTE_MARKER,

  // ---- change_protection() cp_flags: include/linux/mm.h
  MM_CP_TRY_CHANGE_WRITABLE: BIT(0),
  MM_CP_PROT_NUMA: BIT(1),
  MM_CP_UFFD_WP: BIT(2),
  MM_CP_UFFD_WP_RESOLVE: BIT(3),
  MM_CP_UFFD_WP_ALL: BIT(2) | BIT(3),

  // ---- zap_flags_t: include/linux/mm.h
  ZAP_FLAG_DROP_MARKER: BIT(0),
  ZAP_FLAG_UNMAP: BIT(1),
};
