// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QWidget>

/**
 * A frame around the canvas in a user's colour with a caption at the top
 * ("Following alice — Esc"). Transparent to the mouse: the canvas stays usable.
 */
class ViewIndicator : public QWidget
{
    Q_OBJECT
public:
    explicit ViewIndicator(QWidget *parent = nullptr);

    void setIndicator(const QString &text, const QColor &color);
    QString text() const { return m_text; }
    QColor color() const { return m_color; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_text;
    QColor m_color;
};
