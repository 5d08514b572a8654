// SPDX-License-Identifier: MIT
#pragma once

// Small Linux helpers shared by the benchmark and the bare relay: a monotonic
// clock, /proc readings of another process, the open-file limit and
// TCP_NODELAY on Qt sockets.

#include <QAbstractSocket>
#include <QByteArray>
#include <QFile>
#include <QList>

#include <chrono>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace OptiverseBench {

/// Nanoseconds of std::chrono::steady_clock (CLOCK_MONOTONIC on Linux).
inline qint64 monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// utime + stime of process @p pid (all its threads), in clock ticks.
inline bool readProcCpuTicks(qint64 pid, qint64 *ticks)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = f.readAll();
    // The command name (field 2) is in parentheses and may contain spaces.
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0)
        return false;
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    if (fields.size() < 13)
        return false;
    bool ok1 = false;
    bool ok2 = false;
    const qint64 utime = fields.at(11).toLongLong(&ok1);
    const qint64 stime = fields.at(12).toLongLong(&ok2);
    if (!ok1 || !ok2)
        return false;
    *ticks = utime + stime;
    return true;
}

inline double clockTicksPerSecond()
{
    const long t = sysconf(_SC_CLK_TCK);
    return t > 0 ? double(t) : 100.0;
}

/// Resident set size of @p pid in KiB (VmRSS of /proc/PID/status).
inline bool readProcRssKiB(qint64 pid, qint64 *kib)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &l : lines) {
        if (l.startsWith("VmRSS:")) {
            QByteArray v = l.mid(6).trimmed();
            if (v.endsWith("kB"))
                v.chop(2);
            bool ok = false;
            *kib = v.trimmed().toLongLong(&ok);
            return ok;
        }
    }
    return false;
}

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
inline qint64 raiseFileLimit()
{
    rlimit rl {};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit wanted = rl;
        wanted.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &wanted) == 0)
            rl = wanted;
    }
    return rl.rlim_cur == RLIM_INFINITY ? qint64(1) << 40 : qint64(rl.rlim_cur);
}

/// TCP_NODELAY as the kernel has it for @p socket: 1, 0, or -1 if unknown.
inline int tcpNoDelay(const QAbstractSocket *socket)
{
    if (!socket || socket->socketDescriptor() < 0)
        return -1;
    int value = 0;
    socklen_t len = sizeof(value);
    if (getsockopt(int(socket->socketDescriptor()), IPPROTO_TCP, TCP_NODELAY, &value, &len) != 0)
        return -1;
    return value ? 1 : 0;
}

} // namespace OptiverseBench
