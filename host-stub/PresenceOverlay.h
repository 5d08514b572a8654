// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/ipresencehost.h>
#include <optiverse/ipresenceobserver.h>
#include <optiverse/isceneobserver.h>

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>

class HostScene;
class QGraphicsPathItem;
class QGraphicsView;
class RemotePointerItem;

/**
 * The host's IPresenceHost: draws other users' pointers and selections over
 * the canvas and reports the local user's pointer and selection.
 *
 * Overlays are plain QGraphicsItems in the same QGraphicsScene but are never
 * OpticalItems, so HostScene::items() and dumps never see them. Selection
 * outlines follow their items by observing the scene.
 */
class PresenceOverlay : public QObject,
                        public Optiverse::IPresenceHost,
                        private Optiverse::ISceneObserver
{
    Q_OBJECT
public:
    PresenceOverlay(HostScene *scene, QGraphicsView *view, QObject *parent = nullptr);
    ~PresenceOverlay() override;

    // IPresenceHost
    void setRemotePointer(const QString &userKey, const QString &displayName,
                          const QColor &color, const QPointF &posMm) override;
    void removeRemotePointer(const QString &userKey) override;
    void setRemoteSelection(const QString &userKey, const QColor &color,
                            const QList<QUuid> &uuids) override;
    void clearAll() override;
    void addPresenceObserver(Optiverse::IPresenceObserver *observer) override;
    void removePresenceObserver(Optiverse::IPresenceObserver *observer) override;

    // For tests and the UI.
    RemotePointerItem *remotePointer(const QString &userKey) const;
    QGraphicsPathItem *remoteSelectionOutline(const QString &userKey) const;
    int presenceObserverCount() const { return int(m_observers.size()); }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Selection
    {
        QColor color;
        QList<QUuid> uuids;
        QGraphicsPathItem *outline = nullptr;
    };

    // ISceneObserver: keep outlines on their items.
    void itemAdded(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemMoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemUpdated(const Optiverse::SceneItem &item, const QStringList &changedKeys,
                     Optiverse::ChangeOrigin origin) override;
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;

    void itemChanged(const QUuid &uuid);
    void refreshOutline(Selection &selection);
    void rebuildSelectedSet();
    void onLocalSelectionChanged();
    template<typename F>
    void notify(F &&hook);

    HostScene *m_scene;
    QGraphicsView *m_view;
    QHash<QString, RemotePointerItem *> m_pointers;
    QHash<QString, Selection> m_selections;
    QSet<QUuid> m_selectedByAnyone; // fast "does this change matter" test
    QList<Optiverse::IPresenceObserver *> m_observers;
    QList<QUuid> m_lastLocalSelection;
};
