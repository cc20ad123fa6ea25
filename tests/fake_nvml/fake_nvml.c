/* A stand-in for NVIDIA's libnvidia-ml.so.1 on machines without a GPU, for the device memory watch's
   tests. One GPU of FAKE_NVML_TOTAL_MB; every process named "gpu-holder" holds FAKE_NVML_USED_MB on it.
   The structures are laid out as in nvml.h; only the calls the grader makes exist (no graphics
   process list, as on drivers that lack one). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gpuInstanceId, computeInstanceId; } nvmlProcessInfo_t;

static unsigned long long mebibytes(const char *name) {
    const char *value = getenv(name);
    return (value ? strtoull(value, NULL, 10) : 0) << 20;
}

int nvmlInit_v2(void) { return 0; }
int nvmlDeviceGetCount_v2(unsigned int *count) { *count = 1; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **handle) { *handle = (void *)(1 + (long)index); return 0; }

int nvmlDeviceGetMemoryInfo(void *handle, nvmlMemory_t *memory) {
    memory->total = mebibytes("FAKE_NVML_TOTAL_MB");
    memory->used = 0;
    memory->free = memory->total;
    return 0;
}

int nvmlDeviceGetComputeRunningProcesses_v3(void *handle, unsigned int *count, nvmlProcessInfo_t *infos) {
    unsigned int found = 0;
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    while (proc && (entry = readdir(proc))) {
        char path[300], name[64] = "";
        snprintf(path, sizeof path, "/proc/%s/comm", entry->d_name);
        FILE *comm = fopen(path, "r");
        if (!comm) continue;
        if (fgets(name, sizeof name, comm) && strcmp(name, "gpu-holder\n") == 0) {
            if (found < *count) {
                infos[found].pid = (unsigned int)atoi(entry->d_name);
                infos[found].usedGpuMemory = mebibytes("FAKE_NVML_USED_MB");
                infos[found].gpuInstanceId = infos[found].computeInstanceId = 0xFFFFFFFF;
            }
            found++;
        }
        fclose(comm);
    }
    if (proc) closedir(proc);
    int enough = found <= *count;
    *count = found;
    return enough ? 0 : 7; /* NVML_ERROR_INSUFFICIENT_SIZE */
}
