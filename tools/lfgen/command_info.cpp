// command_info.cpp: `lfgen info FILE` prints what a .safetensors or .npy file holds: every tensor
// (name, dtype, shape), totals, and the metadata; `--json` prints the same as one JSON object.
#include <iostream>
#include <nlohmann/json.hpp>

#include "kernels/core/tensor.h"
#include "kernels/io/npy.h"
#include "tools/lfgen/commands.h"
#include "weights/safetensors.h"

namespace lf::cli {
namespace {

struct InfoOptions {
    std::string path;
    bool json = false;
};

nlohmann::json shape_json(const Shape& shape) {
    nlohmann::json j = nlohmann::json::array();
    for (auto d : shape) j.push_back(d);
    return j;
}

void info_npy(const InfoOptions& opt) {
    const Tensor t = npy::load(opt.path);
    if (opt.json) {
        nlohmann::json j = {{"file", opt.path}, {"format", "npy"}, {"dtype", dtype_name(t.dtype())},
                            {"shape", shape_json(t.shape())}};
        std::cout << j.dump(2) << '\n';
        return;
    }
    std::cout << opt.path << ": npy, " << dtype_name(t.dtype()) << ' ' << shape_to_string(t.shape()) << '\n';
}

void info_safetensors(const InfoOptions& opt) {
    const SafetensorsFile file = SafetensorsFile::open(opt.path);
    std::int64_t elements = 0;
    std::size_t name_width = 4;
    for (const auto& e : file.entries()) {
        elements += shape_numel(e.shape);
        name_width = std::max(name_width, e.name.size());
    }
    if (opt.json) {
        nlohmann::json tensors = nlohmann::json::array();
        for (const auto& e : file.entries())
            tensors.push_back({{"name", e.name}, {"dtype", dtype_name(e.dtype)}, {"shape", shape_json(e.shape)}});
        nlohmann::json j = {{"file", opt.path},        {"format", "safetensors"},
                            {"tensors", tensors},      {"tensor_count", file.entries().size()},
                            {"elements", elements},    {"metadata", file.metadata()}};
        std::cout << j.dump(2) << '\n';
        return;
    }
    std::cout << opt.path << ": safetensors, " << file.entries().size() << " tensors, " << elements
              << " elements\n";
    for (const auto& e : file.entries()) {
        std::cout << "  " << e.name << std::string(name_width - e.name.size() + 2, ' ') << dtype_name(e.dtype)
                  << "  " << shape_to_string(e.shape) << '\n';
    }
    if (!file.metadata().empty()) {
        std::cout << "metadata:\n";
        for (const auto& [key, value] : file.metadata()) std::cout << "  " << key << ": " << value << '\n';
    }
}

}  // namespace

void register_info(CLI::App& app) {
    auto opt = std::make_shared<InfoOptions>();
    CLI::App* cmd = app.add_subcommand("info", "Print the tensors (name, dtype, shape) and metadata of a .safetensors or .npy file");
    cmd->add_option("file", opt->path, "a .safetensors or .npy file")->required();
    cmd->add_flag("--json", opt->json, "print one JSON object instead of the table");
    cmd->callback([opt] {
        const std::string& p = opt->path;
        if (p.size() >= 4 && p.compare(p.size() - 4, 4, ".npy") == 0)
            info_npy(*opt);
        else
            info_safetensors(*opt);
    });
}

}  // namespace lf::cli
