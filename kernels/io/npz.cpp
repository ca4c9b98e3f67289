// npz.cpp: .npz read/write on libzip + lf::npy (see npz.h).
#include "kernels/io/npz.h"

#include <zip.h>

#include <algorithm>
#include <memory>
#include <set>

#include "kernels/core/error.h"
#include "kernels/io/npy.h"

namespace lf::npz {
namespace {

std::string zip_error_text(int code) {
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    std::string text = zip_error_strerror(&e);
    zip_error_fini(&e);
    return text;
}

struct ArchiveCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
struct FileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};

}  // namespace

std::vector<std::pair<std::string, Tensor>> load(const std::string& path) {
    int code = 0;
    std::unique_ptr<zip_t, ArchiveCloser> archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code));
    if (!archive) {
        if (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS)
            fail(path, ": not a .npz file (", zip_error_text(code), ")");
        fail(path, ": cannot read (", zip_error_text(code), ")");
    }
    const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
    LF_CHECK(count >= 0, path, ": cannot list the archive");
    std::vector<std::pair<std::string, Tensor>> out;
    std::set<std::string> seen;
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        LF_CHECK(zip_stat_index(archive.get(), static_cast<zip_uint64_t>(i), 0, &st) == 0, path,
                 ": cannot read member ", i, " (", zip_strerror(archive.get()), ")");
        LF_CHECK((st.valid & ZIP_STAT_NAME) && (st.valid & ZIP_STAT_SIZE), path, ": member ", i,
                 " has no name or size");
        std::string name = st.name;
        if (!name.empty() && name.back() == '/') continue;  // a directory entry
        LF_CHECK(name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0, path, ": member '", name,
                 "' is not a .npy array");
        LF_CHECK(st.size <= kNpzMaxMemberBytes, path, ": member '", name, "' claims ", st.size,
                 " bytes, more than the ", kNpzMaxMemberBytes, "-byte limit");
        std::unique_ptr<zip_file_t, FileCloser> file(
            zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(i), 0));
        LF_CHECK(file != nullptr, path, ": cannot open member '", name, "' (", zip_strerror(archive.get()),
                 ")");
        // The member's declared size bounds every read; a member that delivers fewer bytes, or more,
        // than declared is refused (a header may lie about sizes). The array goes straight into its
        // tensor (no intermediate copy of the member).
        const std::string what = path + ": '" + name + "'";
        auto read_exact = [&](void* dst, std::size_t n) {
            auto* to = static_cast<std::uint8_t*>(dst);
            while (n > 0) {
                const zip_int64_t got = zip_fread(file.get(), to, n);
                LF_CHECK(got >= 0, path, ": member '", name, "' is corrupt (", zip_file_strerror(file.get()), ")");
                LF_CHECK(got > 0, path, ": member '", name, "' holds fewer bytes than its header says (", st.size,
                         ")");
                to += got;
                n -= static_cast<std::size_t>(got);
            }
        };
        Tensor t = npy::read_sequential(static_cast<std::size_t>(st.size), read_exact, what);
        std::uint8_t extra = 0;
        const zip_int64_t more = zip_fread(file.get(), &extra, 1);
        LF_CHECK(more == 0, path, ": member '", name, "' holds more than its declared ", st.size, " bytes");
        name.resize(name.size() - 4);
        LF_CHECK(seen.insert(name).second, path, ": member '", name, ".npy' appears twice");
        out.emplace_back(name, std::move(t));
    }
    return out;
}

void save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays, bool compress) {
    std::set<std::string> names;
    std::vector<std::vector<std::uint8_t>> blobs;  // must outlive zip_close
    blobs.reserve(arrays.size());
    for (const auto& [name, t] : arrays) {
        LF_CHECK(!name.empty() && name.find('/') == std::string::npos, path, ": bad array name '", name, "'");
        LF_CHECK(names.insert(name).second, path, ": array name '", name, "' used twice");
        blobs.push_back(npy::serialize(t, path + ": '" + name + "'"));
    }
    int code = 0;
    std::unique_ptr<zip_t, ArchiveCloser> archive(zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code));
    LF_CHECK(archive != nullptr, path, ": cannot write (", zip_error_text(code), ")");
    for (std::size_t i = 0; i < arrays.size(); ++i) {
        zip_source_t* src = zip_source_buffer(archive.get(), blobs[i].data(), blobs[i].size(), 0);
        LF_CHECK(src != nullptr, path, ": cannot add '", arrays[i].first, "' (", zip_strerror(archive.get()),
                 ")");
        const std::string member = arrays[i].first + ".npy";
        const zip_int64_t index =
            zip_file_add(archive.get(), member.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
        if (index < 0) {
            zip_source_free(src);
            fail(path, ": cannot add '", arrays[i].first, "' (", zip_strerror(archive.get()), ")");
        }
        LF_CHECK(zip_set_file_compression(archive.get(), static_cast<zip_uint64_t>(index),
                                          compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) == 0,
                 path, ": cannot set the compression of '", arrays[i].first, "'");
    }
    if (zip_close(archive.get()) != 0) fail(path, ": cannot write (", zip_strerror(archive.get()), ")");
    archive.release();  // closed (and freed) by zip_close
}

}  // namespace lf::npz
