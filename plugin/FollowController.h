// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/isceneobserver.h>
#include <optiverse/iviewhost.h>

#include <QHash>
#include <QObject>
#include <QRectF>
#include <QVariantAnimation>

class QShortcut;
class QWidget;

namespace Optiverse {
class IScene;
}

namespace Optiverse::Collab {

class CollabClient;
class PresenceManager;

/**
 * Follow a collaborator, over the host's optional IViewHost. Our visible area
 * goes out in presence ("view") and whom we follow ("following"). While we
 * follow a leader, our view eases to each of their areas (aspect kept by the
 * host) and the host frames it in their colour with "Following alice — Esc".
 * Esc, our own pan/zoom, any edit of ours, the leader leaving or our leaving
 * the session end it. Jump to is the same move, once.
 *
 * No loops: when someone starts following us while the chain of follows from
 * our leader comes back to us, our follow ends (the newer follow wins).
 */
class FollowController : public QObject, private Optiverse::IViewObserver, private Optiverse::ISceneObserver
{
    Q_OBJECT
public:
    /// @p window gets the Esc shortcut; everything must outlive this.
    FollowController(Optiverse::IViewHost *view, Optiverse::IScene *scene, PresenceManager *presence,
                     CollabClient *client, QWidget *window, QObject *parent = nullptr);
    ~FollowController() override;

    /// Starts following @p userId (ends any other follow). False when not possible.
    bool follow(const QString &userId);
    /// Moves our view to @p userId's once. False when their view is unknown.
    bool jumpTo(const QString &userId);
    /// Ends the follow, if any.
    void stop();

    QString leader() const { return m_leader; }
    /// Whether @p userId's visible area is known (Jump to possible).
    bool knowsViewOf(const QString &userId) const { return m_views.contains(userId); }
    /// @p userId's last visible area (null when unknown).
    QRectF viewOf(const QString &userId) const { return m_views.value(userId); }
    /// Whom @p userId follows, as they said ("" none).
    QString followedBy(const QString &userId) const { return m_following.value(userId); }

    /// Easing duration of each move (default 250 ms).
    void setEaseDuration(int ms) { m_ease.setDuration(ms); }

signals:
    void leaderChanged(const QString &userId);
    /// Something the user should read (why a follow ended).
    void notice(const QString &text);

private:
    void visibleAreaChanged(const QRectF &areaMm, bool byUser) override;
    void itemAdded(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemMoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemUpdated(const Optiverse::SceneItem &item, const QStringList &changedKeys,
                     Optiverse::ChangeOrigin origin) override;
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemDragStateChanged(const QUuid &uuid, bool dragging) override;

    void onRemotePresence(const QString &userId, const QJsonObject &presence);
    void forget(const QString &userId);
    void moveTo(const QRectF &area);
    void localEdit(Optiverse::ChangeOrigin origin);
    void end(const QString &why);
    QString nameOf(const QString &userId) const;
    bool chainReachesUs(const QString &from) const;

    Optiverse::IViewHost *m_view;
    Optiverse::IScene *m_scene;
    PresenceManager *m_presence;
    CollabClient *m_client;
    QShortcut *m_escape;
    QVariantAnimation m_ease;
    bool m_easing = false; // our own setVisibleArea() calls in progress
    QString m_leader;
    QHash<QString, QRectF> m_views;      // user -> their last visible area
    QHash<QString, QString> m_following; // user -> whom they follow
};

} // namespace Optiverse::Collab
