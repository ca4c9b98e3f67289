// main.cpp: the lfgen entry point. Registers the subcommands and turns every failure into one
// line on stderr ("lfgen: error: ...") and a non-zero exit: 1 for errors while running, 2 for
// command-line usage errors.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <new>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/commands.h"

int main(int argc, char** argv) {
    // OpenBLAS's workers start spinning as the library loads (~0.1 s of a core each, the same as
    // after a threaded call): stop them until the first threaded BLAS call needs them, so that file
    // reading and the first pool regions have the cores to themselves.
    lf::park_blas_threads();
    CLI::App app{"lfgen: find and apply semantic directions in the latent spaces of pretrained GANs", "lfgen"};
    app.set_version_flag("--version", "lfgen " LF_VERSION);
    app.require_subcommand(1);
    lf::cli::register_info(app);
    lf::cli::register_devices(app);
    lf::cli::register_generate(app);
    lf::cli::register_init(app);
    lf::cli::register_edit(app);
    lf::cli::register_factorize(app);
    lf::cli::register_evaluate(app);
    lf::cli::register_demo(app);
    lf::cli::register_fid(app);
    lf::cli::register_features(app);
    const std::vector<CLI::App*> commands = app.get_subcommands([](CLI::App*) { return true; });
    const bool known = argc > 1 && std::any_of(commands.begin(), commands.end(),
                                               [&](const CLI::App* c) { return c->get_name() == argv[1]; });
    if (argc > 1 && argv[1][0] != '-' && !known) {
        std::string names;
        for (const CLI::App* c : commands) names += (names.empty() ? "" : ", ") + c->get_name();
        std::cerr << "lfgen: error: unknown command '" << argv[1] << "' (commands: " << names << ")\n";
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion&) {
        std::cout << "lfgen " LF_VERSION "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        std::cerr << "lfgen: error: " << e.what() << " (see lfgen --help)\n";
        return 2;
    } catch (const lf::Error& e) {
        std::cerr << "lfgen: error: " << e.what() << '\n';
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "lfgen: error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "lfgen: error: " << e.what() << '\n';
        return 1;
    }
    lf::cli::flush_notices();
    return 0;
}
