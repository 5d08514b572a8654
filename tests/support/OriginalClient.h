// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>
#include <QWebSocket>

/**
 * A client of the original Optiverse, as it behaves on the wire (its
 * CollaborationService driven by its CollaborationManager), written from the
 * documented facts, for mixed-team tests:
 *
 * - connects to ws://HOST:PORT/ws/<session>/<user> with no capability header;
 *   adds "user_id" to everything it sends;
 * - after every connection:ack it sends sync:request;
 * - it applies ANY sync:full_state by clearing its whole canvas and adding
 *   each item that has an item_type; an item is flat: identity from "uuid" or
 *   "item_uuid" (a random one when neither), the rest are its properties; an
 *   empty or missing "state" is ignored;
 * - add_item: identity from data.uuid / data.item_uuid only (command.item_id
 *   is ignored), and it never checks whether it has the item already: a
 *   second add makes a second copy (counted by copies());
 * - move_item: applied only to an item it knows, and only if data has both
 *   x_mm and y_mm (angle_deg optional); update_item rebuilds the item's
 *   properties from data; remove_item removes it; unknown ids are ignored;
 * - as host (role chosen when joining, not by the server) it answers every
 *   user:joined with {"type":"sync:full_state","state":{items,version,
 *   timestamp},"target_user":…}; a client-role one clears its canvas before
 *   connecting and broadcasts no add before its first sync:full_state;
 * - its own edits go out with data = the item's full properties + item_uuid
 *   (add, move, update) or {} (remove); nothing is sent while disconnected,
 *   and nothing is queued;
 * - message types it does not know (error, command:rejected, presence…) are
 *   ignored.
 */
class OriginalClient : public QObject
{
    Q_OBJECT
public:
    enum class Role { Host, Client };

    struct Item
    {
        QString uuid;
        QString type;
        QJsonObject properties; // x_mm, y_mm, angle_deg and the rest
        bool mapped = true;     // in its uuid map; a second copy orphans the first
    };

    explicit OriginalClient(const QString &userId, QObject *parent = nullptr);

    /// Host: keeps the canvas (or clears it when @p useCurrentCanvas is false).
    /// Client: clears the canvas, then connects.
    void join(const QUrl &server, const QString &session, Role role, bool useCurrentCanvas = true);
    void disconnectFromServer();
    QString userId() const { return m_userId; }
    bool isConnected() const { return m_connected; }
    bool waitConnected(int ms = 5000);
    /// True once it has applied a sync:full_state (or hosts).
    bool initialSyncComplete() const { return m_initialSyncComplete; }

    // Local edits, as the original's broadcast_* sends them.
    QString addItem(const QString &type, const QJsonObject &properties);
    void moveItem(const QString &uuid, double x, double y, double angle);
    void updateItem(const QString &uuid, const QJsonObject &changes);
    void removeItem(const QString &uuid);
    /// Puts an item on the canvas without telling anyone (e.g. one it still
    /// shows after missing a removal).
    void addItemLocallyOnly(const QString &uuid, const QString &type, const QJsonObject &properties)
    {
        m_canvas.append({uuid, type, properties, true});
    }

    /// The state it pushes to a joiner now (get_session_state()).
    QJsonObject currentState() const { return sessionState(); }
    /// Pushes @p state as a host does on user:joined (e.g. one taken before
    /// later commands reached it: a stale push).
    void pushState(const QJsonObject &state, const QString &targetUser);

    /// Every item on the canvas, copies included.
    const QList<Item> &canvas() const { return m_canvas; }
    /// How many items of the canvas have @p uuid.
    int copies(const QString &uuid) const;
    /// The canvas as --dump-scene writes a scene: {"items":[{item_uuid,
    /// item_type, data}]} sorted by uuid (copies included).
    QByteArray dump() const;

    /// Raw messages received, in order.
    QList<QJsonObject> received;
    /// Raw messages sent, in order.
    QList<QJsonObject> sent;
    int fullStatesApplied = 0;

signals:
    void messageHandled(const QJsonObject &message);

private:
    void onText(const QString &text);
    void send(QJsonObject message);
    void sendCommand(const QString &action, const Item &item, bool withData);
    void applyAdd(const QString &type, QJsonObject data);
    Item *find(const QString &uuid); // the mapped copy
    void rebuildMap();
    QJsonObject fullData(const Item &item) const;
    QJsonObject sessionState() const;

    QWebSocket m_socket;
    QString m_userId;
    Role m_role = Role::Client;
    bool m_connected = false;
    bool m_enabled = false;
    bool m_initialSyncComplete = false;
    int m_version = 0;
    QList<Item> m_canvas;
};
