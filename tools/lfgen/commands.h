// commands.h: how lfgen subcommands are registered. Each command_<name>.cpp defines one
// register_<name>(CLI::App&) that adds its subcommand, its flags and a callback.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace lf::cli {

void register_info(CLI::App& app);
void register_devices(CLI::App& app);
void register_generate(CLI::App& app);
void register_init(CLI::App& app);
void register_edit(CLI::App& app);
void register_factorize(CLI::App& app);
void register_evaluate(CLI::App& app);
void register_demo(CLI::App& app);
void register_fid(CLI::App& app);
void register_features(CLI::App& app);

// Adds the shared `--device auto|cpu|cuda[:N]` flag (validated when resolved).
CLI::Option* add_device_option(CLI::App& cmd, std::string& spec);

}  // namespace lf::cli
