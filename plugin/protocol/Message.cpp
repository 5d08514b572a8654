// SPDX-License-Identifier: MIT
#include "Message.h"

#include "Protocol.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <cmath>

namespace Optiverse::Collab {

namespace {

using Type = Message::Type;

const QHash<QString, Type> &typeTable()
{
    static const QHash<QString, Type> table{
        {Protocol::TypeCommand, Type::Command},
        {Protocol::TypePing, Type::Ping},
        {Protocol::TypePong, Type::Pong},
        {Protocol::TypeConnectionAck, Type::ConnectionAck},
        {Protocol::TypeUserJoined, Type::UserJoined},
        {Protocol::TypeUserLeft, Type::UserLeft},
        {Protocol::TypeSyncRequest, Type::SyncRequest},
        {Protocol::TypeSyncFullState, Type::SyncFullState},
        {Protocol::TypeError, Type::Error},
        {Protocol::TypeCommandRejected, Type::CommandRejected},
        {Protocol::TypeSyncCaughtUp, Type::SyncCaughtUp},
        {Protocol::TypePresence, Type::Presence},
        {Protocol::TypeHostChanged, Type::HostChanged},
        {Protocol::TypeHistoryPage, Type::History},
        {Protocol::TypeHistorySceneAt, Type::History},
        {Protocol::TypeHistoryScene, Type::History},
        {Protocol::TypeHistoryRestore, Type::History},
        {Protocol::TypeHistoryRevert, Type::History},
        {Protocol::TypeHistoryName, Type::History},
        {Protocol::TypeHistoryDone, Type::History},
        {Protocol::TypeHistoryVersions, Type::History},
        {Protocol::TypeHistoryVersionNamed, Type::History},
        {Protocol::TypeHistoryValue, Type::History},
        {Protocol::TypeTransferOwner, Type::TransferOwner},
        {Protocol::TypeOwner, Type::Owner},
        {Protocol::TypeOwnerChanged, Type::OwnerChanged},
    };
    return table;
}

// Reads an optional non-negative integer field; -1 when absent.
bool optionalCounter(const QJsonObject &o, QLatin1String key, qint64 *out, QString *error)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull()) {
        *out = -1;
        return true;
    }
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 0 || d > 9007199254740992.0 || std::floor(d) != d) {
        *error = QStringLiteral("%1 must be a non-negative integer").arg(key);
        return false;
    }
    *out = static_cast<qint64>(d);
    return true;
}

bool optionalString(const QJsonObject &o, QLatin1String key, int maxLength, QString *error)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isString() || v.toString().size() > maxLength) {
        *error = QStringLiteral("%1 must be a string of at most %2 characters").arg(key).arg(maxLength);
        return false;
    }
    return true;
}

bool requiredString(const QJsonObject &o, QLatin1String key, int maxLength, QString *error)
{
    if (!o.value(key).isString()) {
        *error = QStringLiteral("%1 must be a string").arg(key);
        return false;
    }
    return optionalString(o, key, maxLength, error);
}

bool parseItems(const QJsonObject &o, QList<StateItem> *items, qint64 *version, QString *error)
{
    const QJsonValue state = o.value(Protocol::FieldState);
    if (!state.isObject()) {
        *error = QStringLiteral("state must be an object");
        return false;
    }
    const QJsonObject s = state.toObject();
    const QJsonValue list = s.value(Protocol::FieldItems);
    if (!list.isArray()) {
        *error = QStringLiteral("state.items must be an array");
        return false;
    }
    if (!optionalCounter(s, Protocol::FieldVersion, version, error))
        return false;
    const QJsonArray array = list.toArray();
    items->reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        StateItem item;
        QString why = QStringLiteral("must be an object");
        if (!array.at(i).isObject() || !StateItem::fromJson(array.at(i).toObject(), &item, &why)) {
            *error = QStringLiteral("state.items[%1] %2").arg(i).arg(why);
            return false;
        }
        items->append(std::move(item));
    }
    return true;
}

bool parsePresence(const QJsonObject &o, QString *error)
{
    const QJsonValue pointer = o.value(Protocol::FieldPointer);
    if (!pointer.isUndefined() && !pointer.isNull()) {
        const QJsonObject p = pointer.toObject();
        if (!pointer.isObject() || !p.value(Protocol::FieldXmm).isDouble()
            || !p.value(Protocol::FieldYmm).isDouble()) {
            *error = QStringLiteral("pointer must be null or {x_mm, y_mm}");
            return false;
        }
    }
    // "selection" and the awareness extension "editing" (items being dragged
    // or open in a properties dialog): the same bounded lists of ids.
    for (const QLatin1String field : {Protocol::FieldSelection, Protocol::FieldEditing}) {
        const QJsonValue list = o.value(field);
        if (list.isUndefined() || list.isNull())
            continue;
        const QJsonArray a = list.toArray();
        if (!list.isArray() || a.size() > Protocol::MaxSelection) {
            *error = QStringLiteral("%1 must be an array of at most %2 ids").arg(field).arg(Protocol::MaxSelection);
            return false;
        }
        for (const QJsonValue &v : a) {
            if (!v.isString() || v.toString().size() > Protocol::MaxIdLength) {
                *error = QStringLiteral("%1 must contain item ids").arg(field);
                return false;
            }
        }
    }
    // "view": the visible area a follower tracks, a finite rectangle in mm.
    const QJsonValue view = o.value(Protocol::FieldView);
    if (!view.isUndefined() && !view.isNull()) {
        const QJsonObject v = view.toObject();
        bool ok = view.isObject();
        for (QLatin1String key : {Protocol::FieldXmm, Protocol::FieldYmm, Protocol::FieldWmm, Protocol::FieldHmm}) {
            const QJsonValue n = v.value(key);
            ok = ok && n.isDouble() && std::isfinite(n.toDouble()) && std::abs(n.toDouble()) <= 1e9;
        }
        if (!ok || v.value(Protocol::FieldWmm).toDouble() <= 0 || v.value(Protocol::FieldHmm).toDouble() <= 0) {
            *error = QStringLiteral("view must be null or {x_mm, y_mm, w_mm, h_mm} with a positive size");
            return false;
        }
    }
    // "following": the user id whose view this user follows.
    const QJsonValue following = o.value(Protocol::FieldFollowing);
    if (!following.isUndefined() && !following.isNull()
        && (!following.isString() || following.toString().size() > Protocol::MaxIdLength)) {
        *error = QStringLiteral("following must be null or a user id");
        return false;
    }
    return true;
}

} // namespace

bool Message::parse(QByteArrayView utf8, Message *out, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("malformed JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString());
        return false;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("a message must be a JSON object");
        return false;
    }
    Message m;
    m.m_json = doc.object();
    const QJsonValue type = m.m_json.value(Protocol::FieldType);
    if (!type.isString()) {
        *error = QStringLiteral("message has no string \"type\"");
        return false;
    }
    const auto it = typeTable().constFind(type.toString());
    if (it == typeTable().constEnd()) {
        *error = QStringLiteral("unknown message type \"%1\"").arg(type.toString().left(Protocol::MaxNameLength));
        return false;
    }
    m.m_type = *it;
    const QJsonObject &o = m.m_json;
    if (!optionalCounter(o, Protocol::FieldSeq, &m.m_seq, error))
        return false;
    if (!optionalString(o, Protocol::FieldUserId, Protocol::MaxIdLength, error))
        return false;

    switch (m.m_type) {
    case Type::Command: {
        const QJsonValue command = o.value(Protocol::FieldCommand);
        if (!command.isObject()) {
            *error = QStringLiteral("command must be an object");
            return false;
        }
        m.m_commandJson = command.toObject();
        if (!Command::fromJson(m.m_commandJson, &m.m_command, error)
            || !optionalString(o, Protocol::FieldTimestamp, Protocol::MaxNameLength, error)
            || !optionalCounter(o, Protocol::FieldClientSeq, &m.m_clientSeq, error))
            return false;
        break;
    }
    case Type::SyncRequest:
        if (!optionalCounter(o, Protocol::FieldSince, &m.m_since, error))
            return false;
        break;
    case Type::SyncFullState:
        if (!parseItems(o, &m.m_items, &m.m_version, error))
            return false;
        break;
    case Type::ConnectionAck:
        if (!requiredString(o, Protocol::FieldUserId, Protocol::MaxIdLength, error)
            || !requiredString(o, Protocol::FieldSessionId, Protocol::MaxIdLength, error))
            return false;
        if (!o.value(Protocol::FieldUsers).isArray() && !o.value(Protocol::FieldUsers).isUndefined()) {
            *error = QStringLiteral("users must be an array");
            return false;
        }
        break;
    case Type::UserJoined:
    case Type::UserLeft:
    case Type::HostChanged:
    case Type::TransferOwner:
    case Type::OwnerChanged:
        if (!requiredString(o, Protocol::FieldUserId, Protocol::MaxIdLength, error))
            return false;
        break;
    case Type::Owner:
        if (!requiredString(o, Protocol::FieldOwnerToken, Protocol::MaxOwnerTokenLength, error))
            return false;
        break;
    case Type::CommandRejected:
    case Type::Error: // storage_failed names the command it answers
        if (!optionalCounter(o, Protocol::FieldClientSeq, &m.m_clientSeq, error))
            return false;
        break;
    case Type::Presence:
        if (!parsePresence(o, error))
            return false;
        break;
    case Type::History:
        // Requests are validated here like every other inbound message; a
        // reply type (or a page reply, which shares its name with the
        // request and reads as a valid one) is the client's to read.
        if (HistoryRequest::isHistoryType(o)) {
            if (!HistoryRequest::fromJson(o, &m.m_historyRequest, error))
                return false;
            m.m_isHistoryRequest = true;
        }
        break;
    case Type::Ping:
    case Type::Pong:
    case Type::SyncCaughtUp:
        break;
    }
    *out = std::move(m);
    return true;
}

QString Message::userId() const
{
    return m_json.value(Protocol::FieldUserId).toString();
}

} // namespace Optiverse::Collab
