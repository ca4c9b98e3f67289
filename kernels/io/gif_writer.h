// gif_writer.h: animated GIF output through Debian's libgd: each RGB frame is quantized to its own
// 256-colour palette (libgd's quantizer, no dithering, so identical input gives identical files)
// and written with a local colour map, looping forever.
#pragma once

#include <string>
#include <vector>

#include "kernels/io/image_png.h"

namespace lf {

// frames: same size, 3 or 1 channels. delay_cs: hundredths of a second per frame. Throws lf::Error
// naming the path on failure.
void write_gif(const std::string& path, const std::vector<ImageU8>& frames, int delay_cs = 20);

}  // namespace lf
