// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "HistoryRequest.h"
#include "StateItem.h"

#include <QByteArrayView>
#include <QJsonObject>
#include <QList>

namespace Optiverse::Collab {

/**
 * A decoded and validated protocol message, in either direction.
 *
 * parse() is the single gate every inbound frame passes: it checks JSON, the
 * "type" and every field the type defines (presence, JSON type, size), so code
 * behind it can read fields without re-checking. Unknown fields are kept in
 * json() and ignored, which is what lets old and new peers talk.
 */
class Message
{
public:
    enum class Type {
        Command, Ping, Pong, ConnectionAck, UserJoined, UserLeft, SyncRequest, SyncFullState,
        Error, CommandRejected, SyncCaughtUp, Presence, HostChanged,
        /// Any "history:" type: a request of a client (historyRequest()) or a
        /// server's reply (read from json()).
        History,
        /// Session ownership: session:transfer_owner {user_id} (client),
        /// session:owner {owner_token} and session:owner_changed {user_id} (server).
        TransferOwner, Owner, OwnerChanged,
    };

    /// Decodes @p utf8. On failure returns false and sets @p error to a
    /// sentence suitable for an "error" reply (never echoes large input).
    static bool parse(QByteArrayView utf8, Message *out, QString *error);

    Type type() const { return m_type; }
    const QJsonObject &json() const { return m_json; }

    /// Command messages: the validated command.
    const Command &command() const { return m_command; }
    /// Command messages: the "command" object as received.
    const QJsonObject &commandJson() const { return m_commandJson; }
    /// Server order stamp ("seq" extension), or -1 when absent.
    qint64 seq() const { return m_seq; }
    /// Client's own counter for matching acknowledgements, or -1.
    qint64 clientSeq() const { return m_clientSeq; }
    /// sync:request "since" (extension), or -1 for "send the full state".
    qint64 since() const { return m_since; }
    /// sync:full_state items, and its state.version (or -1).
    const QList<StateItem> &items() const { return m_items; }
    qint64 version() const { return m_version; }
    /// History messages of a request type (history:page, scene_at, restore,
    /// revert, name): true, with the validated request.
    bool isHistoryRequest() const { return m_isHistoryRequest; }
    const HistoryRequest &historyRequest() const { return m_historyRequest; }
    /// "user_id" of command, user:*, ack, presence; empty when absent.
    QString userId() const;

private:
    Type m_type = Type::Ping;
    QJsonObject m_json;
    Command m_command;
    QJsonObject m_commandJson;
    qint64 m_seq = -1;
    qint64 m_clientSeq = -1;
    qint64 m_since = -1;
    qint64 m_version = -1;
    QList<StateItem> m_items;
    HistoryRequest m_historyRequest;
    bool m_isHistoryRequest = false;
};

} // namespace Optiverse::Collab
