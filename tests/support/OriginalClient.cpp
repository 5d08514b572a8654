// SPDX-License-Identifier: MIT
#include "OriginalClient.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>
#include <QUuid>

#include <algorithm>

OriginalClient::OriginalClient(const QString &userId, QObject *parent) : QObject(parent), m_userId(userId)
{
    connect(&m_socket, &QWebSocket::connected, this, [this] { m_connected = true; });
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        m_connected = false;
        m_enabled = false;
    });
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &OriginalClient::onText);
}

void OriginalClient::join(const QUrl &server, const QString &session, Role role, bool useCurrentCanvas)
{
    m_role = role;
    if (role == Role::Host) {
        m_initialSyncComplete = true; // a host starts with its canvas
        if (!useCurrentCanvas)
            m_canvas.clear();
    } else {
        m_initialSyncComplete = false;
        m_canvas.clear();
    }
    if (m_socket.isValid())
        m_socket.close();
    QUrl url = server;
    url.setPath(QStringLiteral("/ws/%1/%2").arg(session, m_userId));
    m_socket.open(url);
}

void OriginalClient::disconnectFromServer()
{
    m_socket.close();
}

bool OriginalClient::waitConnected(int ms)
{
    if (m_connected && m_enabled)
        return true;
    return QTest::qWaitFor([&] { return m_connected && m_enabled; }, ms);
}

int OriginalClient::copies(const QString &uuid) const
{
    return int(std::count_if(m_canvas.cbegin(), m_canvas.cend(), [&](const Item &i) { return i.uuid == uuid; }));
}

QByteArray OriginalClient::dump() const
{
    QList<Item> sorted = m_canvas;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Item &a, const Item &b) { return a.uuid < b.uuid; });
    QJsonArray items;
    for (const Item &i : sorted)
        items.append(QJsonObject{{QLatin1String("item_uuid"), i.uuid},
                                 {QLatin1String("item_type"), i.type},
                                 {QLatin1String("data"), i.properties}});
    return QJsonDocument(QJsonObject{{QLatin1String("items"), items}}).toJson(QJsonDocument::Indented);
}

OriginalClient::Item *OriginalClient::find(const QString &uuid)
{
    for (qsizetype i = m_canvas.size() - 1; i >= 0; --i)
        if (m_canvas[i].uuid == uuid && m_canvas[i].mapped)
            return &m_canvas[i];
    return nullptr;
}

void OriginalClient::rebuildMap()
{
    // Like rebuild_uuid_map(): the last copy of each uuid in the scene wins.
    QSet<QString> seen;
    for (qsizetype i = m_canvas.size() - 1; i >= 0; --i) {
        m_canvas[i].mapped = !seen.contains(m_canvas[i].uuid);
        seen.insert(m_canvas[i].uuid);
    }
}

QJsonObject OriginalClient::fullData(const Item &item) const
{
    QJsonObject data = item.properties; // to_dict()
    data.insert(QLatin1String("item_uuid"), item.uuid);
    return data;
}

QJsonObject OriginalClient::sessionState() const
{
    QJsonArray items;
    for (const Item &i : m_canvas) {
        if (!i.mapped)
            continue; // get_session_state() walks the uuid map
        QJsonObject flat = fullData(i);
        flat.insert(QLatin1String("uuid"), i.uuid);
        flat.insert(QLatin1String("item_type"), i.type);
        items.append(flat);
    }
    return {{QLatin1String("items"), items},
            {QLatin1String("version"), m_version},
            {QLatin1String("timestamp"), QDateTime::currentDateTime().toString(Qt::ISODateWithMs)}};
}

void OriginalClient::pushState(const QJsonObject &state, const QString &targetUser)
{
    send({{QLatin1String("type"), QLatin1String("sync:full_state")},
          {QLatin1String("state"), state},
          {QLatin1String("target_user"), targetUser}});
}

void OriginalClient::send(QJsonObject message)
{
    if (!m_connected)
        return; // "Not connected, message not sent"
    if (!message.contains(QLatin1String("user_id")))
        message.insert(QLatin1String("user_id"), m_userId);
    sent.append(message);
    m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
}

void OriginalClient::sendCommand(const QString &action, const Item &item, bool withData)
{
    send({{QLatin1String("type"), QLatin1String("command")},
          {QLatin1String("command"),
           QJsonObject{{QLatin1String("action"), action},
                       {QLatin1String("item_type"), item.type},
                       {QLatin1String("item_id"), item.uuid},
                       {QLatin1String("data"), withData ? fullData(item) : QJsonObject()}}},
          {QLatin1String("timestamp"), QDateTime::currentDateTime().toString(Qt::ISODateWithMs)}});
}

QString OriginalClient::addItem(const QString &type, const QJsonObject &properties)
{
    Item item{QUuid::createUuid().toString(QUuid::WithoutBraces), type, properties, true};
    m_canvas.append(item);
    if (m_enabled && m_initialSyncComplete) { // broadcast_add_item's conditions
        ++m_version;
        sendCommand(QStringLiteral("add_item"), item, true);
    }
    return item.uuid;
}

void OriginalClient::moveItem(const QString &uuid, double x, double y, double angle)
{
    Item *item = find(uuid);
    if (!item)
        return;
    item->properties.insert(QLatin1String("x_mm"), x);
    item->properties.insert(QLatin1String("y_mm"), y);
    item->properties.insert(QLatin1String("angle_deg"), angle);
    if (m_enabled)
        sendCommand(QStringLiteral("move_item"), *item, true);
}

void OriginalClient::updateItem(const QString &uuid, const QJsonObject &changes)
{
    Item *item = find(uuid);
    if (!item)
        return;
    for (auto it = changes.begin(); it != changes.end(); ++it)
        item->properties.insert(it.key(), it.value());
    if (m_enabled)
        sendCommand(QStringLiteral("update_item"), *item, true);
}

void OriginalClient::removeItem(const QString &uuid)
{
    Item *item = find(uuid);
    if (!item)
        return;
    const Item removed = *item;
    m_canvas.removeAt(item - m_canvas.data());
    if (m_enabled)
        sendCommand(QStringLiteral("remove_item"), removed, false);
}

void OriginalClient::applyAdd(const QString &type, QJsonObject data)
{
    QString uuid = data.value(QLatin1String("uuid")).toString();
    if (uuid.isEmpty())
        uuid = data.value(QLatin1String("item_uuid")).toString();
    if (uuid.isEmpty())
        uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    data.remove(QLatin1String("uuid"));
    data.remove(QLatin1String("item_uuid"));
    data.remove(QLatin1String("item_type"));
    for (Item &i : m_canvas)
        if (i.uuid == uuid)
            i.mapped = false; // the map now points at the new copy
    m_canvas.append({uuid, type, data, true});
}

void OriginalClient::onText(const QString &text)
{
    const QJsonObject m = QJsonDocument::fromJson(text.toUtf8()).object();
    received.append(m);
    const QString type = m.value(QLatin1String("type")).toString();
    if (type == QLatin1String("connection:ack")) {
        m_enabled = true;
        send({{QLatin1String("type"), QLatin1String("sync:request")}});
        rebuildMap();
    } else if (type == QLatin1String("user:joined")) {
        if (m_role == Role::Host) {
            send({{QLatin1String("type"), QLatin1String("sync:full_state")},
                  {QLatin1String("state"), sessionState()},
                  {QLatin1String("target_user"), m.value(QLatin1String("user_id"))}});
        }
    } else if (type == QLatin1String("command") && m_enabled) {
        const QJsonObject c = m.value(QLatin1String("command")).toObject();
        const QString action = c.value(QLatin1String("action")).toString();
        const QString id = c.value(QLatin1String("item_id")).toString();
        const QJsonObject data = c.value(QLatin1String("data")).toObject();
        if (action == QLatin1String("add_item")) {
            applyAdd(c.value(QLatin1String("item_type")).toString(), data);
        } else if (action == QLatin1String("move_item")) {
            Item *item = find(id);
            if (item && data.contains(QLatin1String("x_mm")) && data.contains(QLatin1String("y_mm"))) {
                item->properties.insert(QLatin1String("x_mm"), data.value(QLatin1String("x_mm")));
                item->properties.insert(QLatin1String("y_mm"), data.value(QLatin1String("y_mm")));
                if (data.contains(QLatin1String("angle_deg")))
                    item->properties.insert(QLatin1String("angle_deg"), data.value(QLatin1String("angle_deg")));
            }
        } else if (action == QLatin1String("update_item")) {
            if (Item *item = find(id)) {
                QJsonObject rebuilt = data;
                rebuilt.remove(QLatin1String("uuid"));
                rebuilt.remove(QLatin1String("item_uuid"));
                rebuilt.remove(QLatin1String("item_type"));
                item->properties = rebuilt;
            }
        } else if (action == QLatin1String("remove_item")) {
            if (Item *item = find(id))
                m_canvas.removeAt(item - m_canvas.data());
        }
    } else if (type == QLatin1String("sync:full_state") || type == QLatin1String("sync:state")) {
        const QJsonObject state = m.value(QLatin1String("state")).toObject();
        if (!state.isEmpty()) { // "if not state: return"
            m_canvas.clear();
            for (const QJsonValue &v : state.value(QLatin1String("items")).toArray()) {
                const QJsonObject item = v.toObject();
                const QString itemType = item.value(QLatin1String("item_type")).toString();
                if (!itemType.isEmpty())
                    applyAdd(itemType, item);
            }
            m_version = state.value(QLatin1String("version")).toInt();
            m_initialSyncComplete = true;
            ++fullStatesApplied;
        }
    }
    emit messageHandled(m);
}
