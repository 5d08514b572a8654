// SPDX-License-Identifier: MIT
#include "MessageFactory.h"

#include "HistoryRequest.h"
#include "Protocol.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace Optiverse::Collab {

namespace {
QJsonObject typed(QLatin1String type)
{
    return {{Protocol::FieldType, type}};
}

// A message of @p type with one string field.
QByteArray withField(QLatin1String type, QLatin1String field, const QString &value)
{
    QJsonObject o = typed(type);
    o.insert(field, value);
    return MessageFactory::toBytes(o);
}
} // namespace

QByteArray MessageFactory::toBytes(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString MessageFactory::timestamp()
{
    return QDateTime::currentDateTime().toString(Qt::ISODate);
}

QJsonObject MessageFactory::command(const QString &userId, const Command &command, qint64 clientSeq)
{
    QJsonObject o = typed(Protocol::TypeCommand);
    o.insert(Protocol::FieldUserId, userId);
    o.insert(Protocol::FieldTimestamp, timestamp());
    o.insert(Protocol::FieldCommand, command.toJson());
    if (clientSeq >= 0)
        o.insert(Protocol::FieldClientSeq, clientSeq);
    return o;
}

QByteArray MessageFactory::ping() { return toBytes(typed(Protocol::TypePing)); }

QByteArray MessageFactory::pong()
{
    QJsonObject o = typed(Protocol::TypePong);
    o.insert(Protocol::FieldTimestamp, timestamp());
    return toBytes(o);
}

QByteArray MessageFactory::syncRequest(qint64 since)
{
    QJsonObject o = typed(Protocol::TypeSyncRequest);
    if (since >= 0)
        o.insert(Protocol::FieldSince, since);
    return toBytes(o);
}

QByteArray MessageFactory::connectionAck(const QString &sessionId, const QString &userId, const QString &displayName,
                                         bool isHost, const QList<AckUser> &users, qint64 seq, const AckLimits &limits,
                                         const QString &ownerToken, const QList<AckSession> &otherSessions)
{
    // Defaults left out of the users (display name = user id, not the host):
    // every member gets this list, and its size shows in each idle
    // connection's memory.
    QJsonArray list;
    for (const AckUser &u : users) {
        QJsonObject o{{Protocol::FieldUserId, u.userId}};
        if (u.colorIndex >= 0)
            o.insert(Protocol::FieldColorIndex, u.colorIndex);
        if (u.displayName != u.userId)
            o.insert(Protocol::FieldDisplayName, u.displayName);
        if (u.isHost)
            o.insert(Protocol::FieldIsHost, true);
        if (u.isOwner)
            o.insert(Protocol::FieldIsOwner, true);
        list.append(o);
    }
    QJsonObject o = typed(Protocol::TypeConnectionAck);
    o.insert(Protocol::FieldSessionId, sessionId);
    o.insert(Protocol::FieldUserId, userId);
    o.insert(Protocol::FieldIsHost, isHost);
    o.insert(Protocol::FieldUsers, list);
    o.insert(Protocol::FieldTimestamp, timestamp());
    o.insert(Protocol::FieldDisplayName, displayName);
    o.insert(Protocol::FieldSeq, seq);
    o.insert(Protocol::FieldCapabilities,
             QJsonArray{Protocol::CapSeq, Protocol::CapPresence, Protocol::CapResume, Protocol::CapHistory,
                        Protocol::CapOwner});
    o.insert(Protocol::AckLimits, QJsonObject{{Protocol::LimitMaxRate, limits.maxRate},
                                              {Protocol::LimitBurst, limits.burst},
                                              {Protocol::LimitMaxMessageBytes, limits.maxMessageBytes},
                                              {Protocol::LimitMaxStateBytes, limits.maxStateBytes}});
    if (!ownerToken.isEmpty())
        o.insert(Protocol::FieldOwnerToken, ownerToken);
    if (!otherSessions.isEmpty()) {
        QJsonArray others;
        for (const AckSession &s : otherSessions.first(std::min<qsizetype>(otherSessions.size(), Protocol::MaxOtherSessions)))
            others.append(QJsonObject{{Protocol::FieldSessionId, s.sessionId}, {Protocol::FieldUsers, s.users}});
        o.insert(Protocol::FieldOtherSessions, others);
    }
    return toBytes(o);
}

QByteArray MessageFactory::fullState(const QList<StateItem> &items, qint64 version, const QString &targetUser,
                                     bool fromServer)
{
    QJsonArray array;
    for (const StateItem &item : items)
        array.append(item.toJson());
    QJsonObject o = typed(Protocol::TypeSyncFullState);
    QJsonObject state{{Protocol::FieldItems, array}};
    if (version >= 0) {
        state.insert(Protocol::FieldVersion, version);
        o.insert(Protocol::FieldSeq, version);
    }
    o.insert(Protocol::FieldState, state);
    if (!targetUser.isEmpty())
        o.insert(Protocol::FieldTargetUser, targetUser);
    if (fromServer)
        o.insert(Protocol::FieldFromServer, true);
    return toBytes(o);
}

QByteArray MessageFactory::userJoined(const QString &userId, const QString &displayName, bool isHost, int colorIndex,
                                     bool isOwner)
{
    // Sent to every member on each join: defaults (display name = user id,
    // not the host) are left out, readers assume them.
    QJsonObject o = typed(Protocol::TypeUserJoined);
    o.insert(Protocol::FieldUserId, userId);
    if (displayName != userId)
        o.insert(Protocol::FieldDisplayName, displayName);
    if (isHost)
        o.insert(Protocol::FieldIsHost, true);
    if (colorIndex >= 0)
        o.insert(Protocol::FieldColorIndex, colorIndex);
    if (isOwner)
        o.insert(Protocol::FieldIsOwner, true);
    return toBytes(o);
}

QByteArray MessageFactory::userLeft(const QString &userId)
{
    return withField(Protocol::TypeUserLeft, Protocol::FieldUserId, userId);
}

QByteArray MessageFactory::hostChanged(const QString &userId)
{
    return withField(Protocol::TypeHostChanged, Protocol::FieldUserId, userId);
}

QByteArray MessageFactory::transferOwner(const QString &userId)
{
    return withField(Protocol::TypeTransferOwner, Protocol::FieldUserId, userId);
}

QByteArray MessageFactory::owner(const QString &ownerToken)
{
    return withField(Protocol::TypeOwner, Protocol::FieldOwnerToken, ownerToken);
}

QByteArray MessageFactory::ownerChanged(const QString &userId)
{
    return withField(Protocol::TypeOwnerChanged, Protocol::FieldUserId, userId);
}

QByteArray MessageFactory::error(const QString &code, const QString &message, qint64 clientSeq)
{
    QJsonObject o = typed(Protocol::TypeError);
    o.insert(Protocol::FieldCode, code);
    o.insert(Protocol::FieldMessage, message);
    if (clientSeq >= 0)
        o.insert(Protocol::FieldClientSeq, clientSeq);
    return toBytes(o);
}

QByteArray MessageFactory::commandRejected(qint64 clientSeq, const QString &itemId, const QString &reason)
{
    QJsonObject o = typed(Protocol::TypeCommandRejected);
    if (clientSeq >= 0)
        o.insert(Protocol::FieldClientSeq, clientSeq);
    o.insert(Protocol::FieldItemId, itemId);
    o.insert(Protocol::FieldReason, reason);
    return toBytes(o);
}

QByteArray MessageFactory::caughtUp(qint64 seq)
{
    QJsonObject o = typed(Protocol::TypeSyncCaughtUp);
    o.insert(Protocol::FieldSeq, seq);
    return toBytes(o);
}

QByteArray MessageFactory::presence(const QString &userId, const std::optional<QPointF> &pointerMm,
                                    const QStringList &selection, const QJsonObject &extensions)
{
    QJsonObject o = extensions;
    o.insert(QLatin1String("type"), Protocol::TypePresence);
    o.insert(Protocol::FieldUserId, userId);
    if (pointerMm)
        o.insert(Protocol::FieldPointer,
                 QJsonObject{{Protocol::FieldXmm, pointerMm->x()}, {Protocol::FieldYmm, pointerMm->y()}});
    else
        o.insert(Protocol::FieldPointer, QJsonValue::Null);
    o.insert(Protocol::FieldSelection, QJsonArray::fromStringList(selection));
    return toBytes(o);
}

} // namespace Optiverse::Collab
