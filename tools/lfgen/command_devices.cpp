// command_devices.cpp: `lfgen devices [--device SPEC]` lists the CUDA devices this binary can use
// and prints which device a --device spec resolves to (with the same notice other commands print).
#include <iostream>

#include "kernels/core/device.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/commands.h"

#ifdef LF_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace lf::cli {

void register_devices(CLI::App& app) {
    auto spec = std::make_shared<std::string>("auto");
    CLI::App* cmd = app.add_subcommand("devices", "List CUDA devices and show what --device resolves to");
    add_device_option(*cmd, *spec);
    cmd->callback([spec] {
        const DeviceSpec parsed = parse_device_spec(*spec);
        const int count = cuda_device_count();
#ifdef LF_WITH_CUDA
        std::cout << "build: CUDA backend compiled in\n";
        for (int i = 0; i < count; ++i) {
            cudaDeviceProp prop{};
            if (cudaGetDeviceProperties(&prop, i) == cudaSuccess)
                std::cout << "cuda:" << i << ": " << prop.name << ", sm_" << prop.major << prop.minor << ", "
                          << (prop.totalGlobalMem >> 20) << " MiB\n";
        }
#else
        std::cout << "build: CPU only (built without CUDA)\n";
#endif
        std::cout << "CUDA devices: " << count << '\n';
        const Device d = resolve_device(parsed, &notices());
        std::cout << "--device " << *spec << " -> " << d.to_string() << '\n';
    });
}

}  // namespace lf::cli
