// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "StateItem.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPointF>
#include <QStringList>
#include <optional>

namespace Optiverse::Collab {

/// Builds outbound messages as compact UTF-8 JSON, ready for sendTextMessage.
/// Shapes of the original protocol are kept exactly; extension fields are only
/// added where original peers ignore them.
class MessageFactory
{
public:
    /// A member as listed in connection:ack.
    struct AckUser
    {
        QString userId;
        QString displayName;
        bool isHost = false;
        int colorIndex = -1; ///< < 0: left out
        bool isOwner = false; ///< Protocol::FieldIsOwner (extension)
    };
    /// The server's limits, advertised in connection:ack (Protocol::AckLimits).
    struct AckLimits
    {
        qint64 maxRate = 0;
        qint64 burst = 0;
        qint64 maxMessageBytes = 0;
        qint64 maxStateBytes = 0;
    };

    /// Another session of the server and its number of members, listed in
    /// connection:ack (Protocol::FieldOtherSessions).
    struct AckSession
    {
        QString sessionId;
        int users = 0;
    };

    /// The server's welcome: the original fields plus our extensions (seq,
    /// capabilities, limits, each user's colour slot and owner flag,
    /// @p ownerToken when not empty: only to the member made the owner, and
    /// @p otherSessions when not empty, at most Protocol::MaxOtherSessions).
    static QByteArray connectionAck(const QString &sessionId, const QString &userId, const QString &displayName,
                                    bool isHost, const QList<AckUser> &users, qint64 seq, const AckLimits &limits,
                                    const QString &ownerToken = {}, const QList<AckSession> &otherSessions = {});
    /// A "command" message. @p clientSeq >= 0 adds our "client_seq" extension.
    static QJsonObject command(const QString &userId, const Command &command, qint64 clientSeq = -1);
    static QByteArray ping();
    static QByteArray pong();
    /// @p since >= 0 asks for the commands after that sequence number (extension).
    static QByteArray syncRequest(qint64 since = -1);
    /// sync:full_state with flat items; @p version < 0 leaves version and seq
    /// out; @p targetUser (as an original host sends it to a joiner) is
    /// informative: servers relay the state to every other member.
    /// @p fromServer marks a state the server built from its own copy.
    static QByteArray fullState(const QList<StateItem> &items, qint64 version, const QString &targetUser = {},
                                bool fromServer = false);
    static QByteArray userJoined(const QString &userId, const QString &displayName, bool isHost, int colorIndex = -1,
                                 bool isOwner = false);
    static QByteArray userLeft(const QString &userId);
    static QByteArray hostChanged(const QString &userId);
    /// Session ownership (extension): the transfer request, the new owner's
    /// token (to them only), and who owns the session now (to everyone).
    static QByteArray transferOwner(const QString &userId);
    static QByteArray owner(const QString &ownerToken);
    static QByteArray ownerChanged(const QString &userId);
    /// An "error"; @p clientSeq >= 0 names the command it answers (our
    /// "client_seq" extension, e.g. for storage_failed).
    static QByteArray error(const QString &code, const QString &message, qint64 clientSeq = -1);
    static QByteArray commandRejected(qint64 clientSeq, const QString &itemId, const QString &reason);
    static QByteArray caughtUp(qint64 seq);
    /// Presence: @p pointerMm empty means "no pointer on the canvas".
    /// @p extensions (awareness: editing, view, following) are added as they are.
    static QByteArray presence(const QString &userId, const std::optional<QPointF> &pointerMm,
                               const QStringList &selection, const QJsonObject &extensions = {});

    static QByteArray toBytes(const QJsonObject &object);
    /// ISO-8601 local time without zone, as the original client sends.
    static QString timestamp();
};

} // namespace Optiverse::Collab
