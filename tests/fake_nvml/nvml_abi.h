/* nvml_abi.h: the slice of the NVML ABI the simulator implements, declared from nvml.h facts. */
#ifndef FAKE_NVML_ABI_H
#define FAKE_NVML_ABI_H

/* Return codes (nvmlReturn_t). Values are fixed by the driver ABI. */
#define NVML_SUCCESS                         0
#define NVML_ERROR_UNINITIALIZED             1
#define NVML_ERROR_INVALID_ARGUMENT          2
#define NVML_ERROR_NOT_SUPPORTED             3
#define NVML_ERROR_NO_PERMISSION             4
#define NVML_ERROR_ALREADY_INITIALIZED       5
#define NVML_ERROR_NOT_FOUND                 6
#define NVML_ERROR_INSUFFICIENT_SIZE         7
#define NVML_ERROR_INSUFFICIENT_POWER        8
#define NVML_ERROR_DRIVER_NOT_LOADED         9
#define NVML_ERROR_TIMEOUT                   10
#define NVML_ERROR_IRQ_ISSUE                 11
#define NVML_ERROR_LIBRARY_NOT_FOUND         12
#define NVML_ERROR_FUNCTION_NOT_FOUND        13
#define NVML_ERROR_CORRUPTED_INFOROM         14
#define NVML_ERROR_GPU_IS_LOST               15
#define NVML_ERROR_RESET_REQUIRED            16
#define NVML_ERROR_OPERATING_SYSTEM          17
#define NVML_ERROR_LIB_RM_VERSION_MISMATCH   18
#define NVML_ERROR_IN_USE                    19
#define NVML_ERROR_MEMORY                    20
#define NVML_ERROR_NO_DATA                   21
#define NVML_ERROR_ARGUMENT_VERSION_MISMATCH 25
#define NVML_ERROR_UNKNOWN                   999

typedef int nvmlReturn_t;

/* Opaque device handle: in the simulator it points at a struct fake_gpu. */
typedef struct nvmlDevice_st *nvmlDevice_t;

/* nvml.h: NVML_VALUE_NOT_AVAILABLE is (-1); in an unsigned long long field that is ~0ULL. */
#define NVML_VALUE_NOT_AVAILABLE_ULL (~0ULL)

#define NVML_STRUCT_VERSION(data, ver)                                                             \
	(unsigned int)(sizeof(nvml##data##_v##ver##_t) | ((unsigned int)(ver) << 24U))

#define NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE    32
#define NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE 16

struct nvml_memory_v1 {
	unsigned long long total;
	unsigned long long free;
	unsigned long long used; /* includes the reserved amount */
};

struct nvml_memory_v2 {
	unsigned int version; /* NVML_STRUCT_VERSION(Memory, 2) = 40 | 2 << 24 */
	unsigned long long total;
	unsigned long long reserved;
	unsigned long long free;
	unsigned long long used; /* allocated only, without reserved */
};

typedef struct nvml_memory_v2 nvmlMemory_v2_t;
#define NVML_MEMORY_V2_VERSION NVML_STRUCT_VERSION(Memory, 2)

struct nvml_bar1_memory {
	unsigned long long bar1Total;
	unsigned long long bar1Free;
	unsigned long long bar1Used;
};

struct nvml_utilization {
	unsigned int gpu;
	unsigned int memory;
};

/* nvmlPciInfo_t as written by nvmlDeviceGetPciInfo_v3 (68 bytes). */
struct nvml_pci_info {
	char busIdLegacy[NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE];
	unsigned int domain;
	unsigned int bus;
	unsigned int device;
	unsigned int pciDeviceId;
	unsigned int pciSubSystemId;
	char busId[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
};

/* Process records. v1 is what the unsuffixed calls write (16 bytes); v2 is
 * nvmlProcessInfo_v2_t == nvmlProcessInfo_t, what _v2 and _v3 are declared
 * with (24 bytes). Drivers 535.43.02 to 535.86.05 wrote the 32-byte v3 record
 * below from the _v3 calls while headers still declared the 24-byte one. */
struct nvml_process_info_v1 {
	unsigned int pid;
	unsigned long long usedGpuMemory;
};

struct nvml_process_info_v2 {
	unsigned int pid;
	unsigned long long usedGpuMemory;
	unsigned int gpuInstanceId;     /* 0xFFFFFFFF without MIG */
	unsigned int computeInstanceId; /* 0xFFFFFFFF without MIG */
};

struct nvml_process_info_v3_535 {
	unsigned int pid;
	unsigned long long usedGpuMemory;
	unsigned int gpuInstanceId;
	unsigned int computeInstanceId;
	unsigned long long usedGpuCcProtectedMemory;
};

/* Enumerations used as arguments. */
#define NVML_TEMPERATURE_GPU 0

#define NVML_CLOCK_GRAPHICS 0
#define NVML_CLOCK_SM       1
#define NVML_CLOCK_MEM      2
#define NVML_CLOCK_VIDEO    3
#define NVML_CLOCK_COUNT    4

#define NVML_PCIE_UTIL_TX_BYTES 0
#define NVML_PCIE_UTIL_RX_BYTES 1

#define NVML_DEVICE_MIG_DISABLE 0
#define NVML_DEVICE_MIG_ENABLE  1

#define NVML_MEMORY_ERROR_TYPE_CORRECTED   0
#define NVML_MEMORY_ERROR_TYPE_UNCORRECTED 1

#define NVML_PSTATE_UNKNOWN 32

#define NVML_INIT_FLAG_NO_GPUS   1
#define NVML_INIT_FLAG_NO_ATTACH 2

#endif
