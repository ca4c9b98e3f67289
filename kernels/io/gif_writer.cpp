// gif_writer.cpp: see gif_writer.h.
#include "kernels/io/gif_writer.h"

#include <gd.h>

#include <cstdio>
#include <memory>

#include "kernels/core/error.h"

namespace lf {
namespace {

struct GdImageDeleter {
    void operator()(gdImagePtr im) const { gdImageDestroy(im); }
};
using GdImage = std::unique_ptr<gdImage, GdImageDeleter>;

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

GdImage to_palette_image(const ImageU8& img) {
    GdImage im(gdImageCreateTrueColor(img.width, img.height));
    LF_CHECK(im != nullptr, "GIF: cannot allocate a ", img.width, "x", img.height, " frame");
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) {
            const std::uint8_t* p = img.pixels.data() + (static_cast<std::size_t>(y) * img.width + x) * img.channels;
            const int r = p[0], g = img.channels >= 3 ? p[1] : p[0], b = img.channels >= 3 ? p[2] : p[0];
            gdImageSetPixel(im.get(), x, y, gdTrueColor(r, g, b));
        }
    LF_CHECK(gdImageTrueColorToPalette(im.get(), 0, 256) != 0, "GIF: colour quantization failed");
    return im;
}

}  // namespace

void write_gif(const std::string& path, const std::vector<ImageU8>& frames, int delay_cs) {
    LF_CHECK(!frames.empty(), path, ": no frames to write");
    for (const ImageU8& f : frames)
        LF_CHECK(f.width == frames[0].width && f.height == frames[0].height && (f.channels == 3 || f.channels == 1),
                 path, ": GIF frames must share one size and be RGB or gray");
    std::unique_ptr<std::FILE, FileCloser> out(std::fopen(path.c_str(), "wb"));
    LF_CHECK(out != nullptr, path, ": cannot write GIF (check that the folder exists and is writable)");
    GdImage first = to_palette_image(frames[0]);
    gdImageGifAnimBegin(first.get(), out.get(), 0 /* no global colour map */, 0 /* loop forever */);
    for (const ImageU8& f : frames) {
        GdImage frame = to_palette_image(f);
        gdImageGifAnimAdd(frame.get(), out.get(), 1 /* local colour map */, 0, 0, delay_cs, gdDisposalNone, nullptr);
    }
    gdImageGifAnimEnd(out.get());
    LF_CHECK(std::fflush(out.get()) == 0 && !std::ferror(out.get()), path, ": write error");
}

}  // namespace lf
