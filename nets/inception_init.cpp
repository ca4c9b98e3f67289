// inception_init.cpp: see inception_init.h.
#include "nets/inception_init.h"

#include "nets/inception.h"
#include "weights/safetensors.h"

namespace lf {

void inception_write_random(const std::string& path, std::uint32_t seed) {
    write_safetensors(path, InceptionFid::random_state_dict(seed),
                      {{"format", "latentfactor-safetensors"},
                       {"format_version", "1"},
                       {"architecture", "inception_fid"},
                       {"source", "random weights (lfgen): not the pretrained pt_inception-2015-12-05 network"},
                       {"init_seed", std::to_string(seed)}});
}

}  // namespace lf
