// inception_init.h: a random-weight FID InceptionV3 with pytorch-fid's exact tensor names and
// shapes (He-initialized convs, identity BatchNorm statistics), for runs where the pretrained
// pt_inception-2015-12-05 weights are not available (`lfgen demo` without --inception, benchmarks).
// FIDs computed with it are distances between random-feature statistics: comparable with each
// other within one run, not with published FIDs.
#pragma once

#include <cstdint>
#include <string>

namespace lf {

// Same seed, same bytes.
void inception_write_random(const std::string& path, std::uint32_t seed);

}  // namespace lf
