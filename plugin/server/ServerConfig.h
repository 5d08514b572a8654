// SPDX-License-Identifier: MIT
#pragma once

#include "DiscoveryConfig.h"
#include "Protocol.h"

#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>
#include <QStringList>

namespace Optiverse::Collab {

/// Limits and options of a CollabServer. Every limit is enforced per
/// connection or per session; the defaults suit a LAN of a few dozen users.
struct ServerConfig
{
    qint64 maxMessageBytes = Protocol::DefaultMaxMessageBytes; ///< larger frames/messages: close 1009
    /// Largest sync:full_state push, accepted from the host, or from anyone
    /// while the session is empty; everyone else stays at maxMessageBytes.
    qint64 maxStateBytes = Protocol::DefaultMaxStateBytes;
    int maxMessagesPerSecond = 200;     ///< token bucket refill rate per connection
    int burst = 400;                    ///< token bucket size
    int maxUsersPerSession = 50;        ///< further joins: close 1013
    int handshakeTimeoutMs = 10000;     ///< WebSocket upgrade must complete within this
    int keepaliveIntervalMs = 15000;    ///< WebSocket ping frame period
    int keepaliveTimeoutMs = 45000;     ///< silent peers are aborted after this
    /// Unread bytes queued for one client: a client still that far behind
    /// when the next message is due is dropped (one larger message is fine).
    qint64 maxSendBufferBytes = 8 * 1024 * 1024;
    int historyLength = 10000;          ///< relayed messages kept per session for resume
    QString dataDir;                    ///< SQLite persistence directory; empty = memory only
    /// Sessions without users for this long are unloaded with dataDir (read
    /// again when someone joins); without it their history is folded into
    /// their scene, which stays.
    int idleUnloadMs = 600000;
    /// Origins allowed to connect. Empty: a handshake carrying an Origin header
    /// (i.e. from a browser) is refused; handshakes without Origin are allowed.
    QStringList allowedOrigins;
    /// Session password; empty: none. Clients send it in the handshake header
    /// Protocol::PasswordHeader; missing → close 4001, wrong → close 4003.
    QString password;
    /// Server-wide password checks per second (as many at once); further
    /// ones wait their turn, round robin between addresses. A wrong
    /// password's refusal also waits 250 ms per wrong password from its
    /// address in the last minute (up to 10 s); a right one is always accepted.
    int maxPasswordChecksPerSecond = 20;
    // Sockets, counted from TCP accept. A handshake lasts until the client
    // joined a session (upgrade, password check, delayed refusal included).
    int maxConnections = 0;             ///< server-wide; 0: what the descriptor limit leaves room for
    int maxConnectionsPerAddress = 64;  ///< joined connections per client address; further: close 1013
    int maxHandshakes = 256;            ///< server-wide; further sockets are closed at accept
    int maxHandshakesPerAddress = 8;    ///< per client address; further sockets are closed at accept
    /// TLS (wss://): the server's certificate first, then any intermediates.
    /// Empty: plain ws://.
    QList<QSslCertificate> tlsCertificateChain;
    QSslKey tlsKey;
    bool useTls() const { return !tlsCertificateChain.isEmpty(); }
    /// Announce the server and its sessions on the LAN (UDP beacon, DNS-SD
    /// with Avahi). Off here; the standalone server and the Host dialog turn it on.
    bool advertise = false;
    bool advertiseNames = false; ///< include user names in the announcement
    QString serverName;          ///< announced name (empty: the computer's host name)
    DiscoveryConfig discovery = DiscoveryConfig::fromEnvironment();

    // Session history.
    enum class HistoryPermission { All, Host, None };
    /// Who may restore a version or revert a change (--history-restore).
    /// Host means the session's owner (SessionOwner), whose token survives
    /// reconnects, never the longest-connected member.
    HistoryPermission historyRestore = HistoryPermission::All;
    /// With dataDir: operations older than this many days are folded into a
    /// checkpoint (--history-max-age); 0 keeps them forever.
    int historyMaxAgeDays = 0;
    /// Operations between two in-memory checkpoints of the history.
    int historyCheckpointInterval = 2000;

    // What a server running for weeks may hold and spend.
    /// Bytes every session's history may hold in memory together (operation
    /// logs and the relayed messages kept for resume; --memory-budget). Past
    /// it the largest histories are trimmed: without dataDir their oldest
    /// changes are folded into the base scene, with it they stay on disk.
    qint64 memoryBudgetBytes = qint64(256) * 1024 * 1024;
    /// With dataDir: operations a session keeps in memory; older ones are
    /// read from disk when asked for.
    int historyOpsInMemory = 10000;
    /// Relayed messages kept for resume, in bytes per session (besides historyLength).
    qint64 maxResumeBytes = 8 * 1024 * 1024;
    /// Time a connection's history requests may cost the server: a token
    /// bucket of milliseconds refilled at this rate; past it its requests
    /// wait (at most historyQueueLength of them), so a flood slows the flooder.
    int historyCostMsPerSecond = 100;
    int historyCostBurstMs = 400;
    /// The same for all connections together.
    int historyServerCostMsPerSecond = 250;
    int historyQueueLength = 8;
    /// A restore or revert writing more commands than this is refused.
    int maxRewriteCommands = 50000;
    /// Rebuilding a scene from disk reads at most this many operations.
    int maxDiskWalk = 20000;
    /// A restore or revert of more commands than this reaches members as
    /// one sync:full_state instead of each command (send buffers).
    int groupAsStateCommands = 256;
    /// Bytes of one history page's reply (entries beyond it go to the next page).
    qint64 maxHistoryPageBytes = 512 * 1024;
};

} // namespace Optiverse::Collab
