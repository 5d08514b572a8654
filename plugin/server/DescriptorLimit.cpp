// SPDX-License-Identifier: MIT
#include "DescriptorLimit.h"

#include <limits>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

namespace Optiverse::Collab {

namespace {
constexpr qint64 Unlimited = qint64(1) << 20; // as good as unlimited for one server
}

qint64 DescriptorLimit::current()
{
#ifdef Q_OS_UNIX
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        return qMin(qint64(limit.rlim_cur), Unlimited);
#endif
    return Unlimited;
}

qint64 DescriptorLimit::raiseToHard()
{
#ifdef Q_OS_UNIX
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit); // may be refused (e.g. above the kernel's nr_open): keep the old one then
    }
#endif
    return current();
}

int DescriptorLimit::connectionRoom(qint64 limit)
{
    return int(qBound(qint64(1), limit - Reserve, qint64(std::numeric_limits<int>::max())));
}

} // namespace Optiverse::Collab
