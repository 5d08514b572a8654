// SPDX-License-Identifier: MIT
#include "MessageFactory.h"

#include "Protocol.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace Optiverse::Collab {

namespace {
QJsonObject typed(QLatin1String type)
{
    return {{QLatin1String("type"), type}};
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
    o.insert(QLatin1String("user_id"), userId);
    o.insert(QLatin1String("timestamp"), timestamp());
    o.insert(QLatin1String("command"), command.toJson());
    if (clientSeq >= 0)
        o.insert(QLatin1String("client_seq"), clientSeq);
    return o;
}

QByteArray MessageFactory::ping() { return toBytes(typed(Protocol::TypePing)); }

QByteArray MessageFactory::pong()
{
    QJsonObject o = typed(Protocol::TypePong);
    o.insert(QLatin1String("timestamp"), timestamp());
    return toBytes(o);
}

QByteArray MessageFactory::syncRequest(qint64 since)
{
    QJsonObject o = typed(Protocol::TypeSyncRequest);
    if (since >= 0)
        o.insert(QLatin1String("since"), since);
    return toBytes(o);
}

QByteArray MessageFactory::fullState(const QList<StateItem> &items, qint64 version, const QString &targetUser)
{
    QJsonArray array;
    for (const StateItem &item : items)
        array.append(item.toJson());
    QJsonObject o = typed(Protocol::TypeSyncFullState);
    QJsonObject state{{QLatin1String("items"), array}};
    if (version >= 0) {
        state.insert(QLatin1String("version"), version);
        o.insert(QLatin1String("seq"), version);
    }
    o.insert(QLatin1String("state"), state);
    if (!targetUser.isEmpty())
        o.insert(QLatin1String("target_user"), targetUser);
    return toBytes(o);
}

QByteArray MessageFactory::userJoined(const QString &userId, const QString &displayName, bool isHost, int colorIndex)
{
    // Sent to every member on each join: defaults (display name = user id,
    // not the host) are left out, readers assume them.
    QJsonObject o = typed(Protocol::TypeUserJoined);
    o.insert(QLatin1String("user_id"), userId);
    if (displayName != userId)
        o.insert(QLatin1String("display_name"), displayName);
    if (isHost)
        o.insert(QLatin1String("is_host"), true);
    if (colorIndex >= 0)
        o.insert(Protocol::FieldColorIndex, colorIndex);
    return toBytes(o);
}

QByteArray MessageFactory::userLeft(const QString &userId)
{
    QJsonObject o = typed(Protocol::TypeUserLeft);
    o.insert(QLatin1String("user_id"), userId);
    return toBytes(o);
}

QByteArray MessageFactory::hostChanged(const QString &userId)
{
    QJsonObject o = typed(Protocol::TypeHostChanged);
    o.insert(QLatin1String("user_id"), userId);
    return toBytes(o);
}

QByteArray MessageFactory::error(const QString &code, const QString &message)
{
    QJsonObject o = typed(Protocol::TypeError);
    o.insert(QLatin1String("code"), code);
    o.insert(QLatin1String("message"), message);
    return toBytes(o);
}

QByteArray MessageFactory::commandRejected(qint64 clientSeq, const QString &itemId, const QString &reason)
{
    QJsonObject o = typed(Protocol::TypeCommandRejected);
    if (clientSeq >= 0)
        o.insert(QLatin1String("client_seq"), clientSeq);
    o.insert(QLatin1String("item_id"), itemId);
    o.insert(QLatin1String("reason"), reason);
    return toBytes(o);
}

QByteArray MessageFactory::caughtUp(qint64 seq)
{
    QJsonObject o = typed(Protocol::TypeSyncCaughtUp);
    o.insert(QLatin1String("seq"), seq);
    return toBytes(o);
}

QByteArray MessageFactory::presence(const QString &userId, const std::optional<QPointF> &pointerMm,
                                    const QStringList &selection, const QJsonObject &extensions)
{
    QJsonObject o = extensions;
    o.insert(QLatin1String("type"), Protocol::TypePresence);
    o.insert(QLatin1String("user_id"), userId);
    if (pointerMm)
        o.insert(QLatin1String("pointer"),
                 QJsonObject{{QLatin1String("x_mm"), pointerMm->x()}, {QLatin1String("y_mm"), pointerMm->y()}});
    else
        o.insert(QLatin1String("pointer"), QJsonValue::Null);
    o.insert(QLatin1String("selection"), QJsonArray::fromStringList(selection));
    return toBytes(o);
}

} // namespace Optiverse::Collab
