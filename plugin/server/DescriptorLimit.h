// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

namespace Optiverse::Collab {

/**
 * The process's limit of open descriptors (RLIMIT_NOFILE) and how many
 * client sockets it leaves room for. Each connection and each handshake
 * holds one descriptor; when they run out, accept() fails and honest
 * members cannot connect at all.
 */
class DescriptorLimit
{
public:
    /// Kept for everything else: the listening socket, SQLite and its WAL,
    /// the event loop, signals, discovery, and one to accept with.
    static constexpr int Reserve = 64;

    /// The soft limit now (a large number when unlimited or unknown).
    static qint64 current();
    /// Raises the soft limit to the hard one where allowed; returns the soft limit then.
    static qint64 raiseToHard();
    /// Client sockets that fit in @p limit descriptors.
    static int connectionRoom(qint64 limit);
};

} // namespace Optiverse::Collab
